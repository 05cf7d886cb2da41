"""The editors' scheduled jobs: telling the admins about a channel the bot lost."""

from __future__ import annotations

import logging

from telegram.error import TelegramError
from telegram.ext import JobQueue

from bot.domain.channel_texts import channel_lost
from bot.messaging.context import NewsContext
from storage.locks import is_outage

logger = logging.getLogger(__name__)

LOST_CHANNELS_INTERVAL = 5.0  # seconds between looks for channels Telegram refused


def schedule(queue: JobQueue[NewsContext]) -> None:
    queue.run_repeating(lost_channels_job, interval=LOST_CHANNELS_INTERVAL, first=1.0)


async def lost_channels_job(context: NewsContext) -> None:
    """Tell every admin, once, about each channel where Telegram refused the bot."""
    services = context.services
    if not services.leading:
        return
    try:
        lost = await services.store.claim_lost_channels(context.now())
    except Exception as exc:
        if not is_outage(exc):
            raise
        services.jobs_database.failed(exc)
        return
    for channel in lost:
        logger.warning("lost the right to post in channel %s: marked inactive", channel.name)
        for admin_id in sorted(services.settings.admin_ids):
            try:
                await context.bot.send_message(admin_id, channel_lost(channel))
            except TelegramError as exc:
                logger.warning("could not tell admin %d about %s: %s", admin_id, channel.name, exc)
