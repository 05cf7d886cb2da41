"""The editors' scheduled jobs: starting scheduled broadcasts when their time comes, and
telling the admins about a channel the bot lost."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import TelegramError
from telegram.ext import JobQueue

from bot.domain.audit import AuditAction
from bot.domain.broadcasts import BroadcastInfo
from bot.domain.channel_texts import channel_lost
from bot.domain.i18n import use_language
from bot.messaging.audit import audit
from bot.messaging.context import NewsContext
from storage.locks import is_outage

logger = logging.getLogger(__name__)

LOST_CHANNELS_INTERVAL = 5.0  # seconds between looks for channels Telegram refused
# Seconds between looks for scheduled broadcasts that are due: each starts within this (plus
# the look itself) of its time; the promise is 5 s.
DUE_INTERVAL = 1.0


def schedule(queue: JobQueue[NewsContext]) -> None:
    queue.run_repeating(lost_channels_job, interval=LOST_CHANNELS_INTERVAL, first=1.0)
    queue.run_repeating(due_broadcasts_job, interval=DUE_INTERVAL, first=DUE_INTERVAL)


async def edit_preview(
    bot: Bot, info: BroadcastInfo, html_text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Rewrite a broadcast's preview (its caption, when it has a photo), with `markup`'s buttons."""
    if info.preview_chat_id is None or info.preview_message_id is None:
        return
    if info.photo is not None:
        await bot.edit_message_caption(
            chat_id=info.preview_chat_id,
            message_id=info.preview_message_id,
            caption=html_text,
            reply_markup=markup,
        )
    else:
        await bot.edit_message_text(
            html_text,
            chat_id=info.preview_chat_id,
            message_id=info.preview_message_id,
            reply_markup=markup,
        )


async def due_broadcasts_job(context: NewsContext) -> None:
    """Start the scheduled broadcasts whose time has come (every `run` process looks; the
    store starts each once)."""
    services = context.services
    now = context.now()
    try:
        started = await services.store.start_due_broadcasts(now)
    except Exception as exc:
        if not is_outage(exc):
            raise
        services.jobs_database.failed(exc)
        return
    for broadcast_id, queued in started:
        logger.info("scheduled broadcast %d started: %d chats", broadcast_id, queued)
        info = await services.store.broadcast(broadcast_id)
        actor = info.admin_id if info else 0
        await audit(services.store, actor, AuditAction.BROADCAST_STARTED, f"#{broadcast_id}", now)
    if started:
        services.sender.wake()


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
                with use_language(await services.store.chat_language(admin_id)):
                    text = channel_lost(channel)
                await context.bot.send_message(admin_id, text)
            except TelegramError as exc:
                logger.warning("could not tell admin %d about %s: %s", admin_id, channel.name, exc)
