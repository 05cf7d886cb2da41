"""Wiring: one place that builds the Application with its handlers and scheduled jobs.

The command menu it shows Telegram is in bot.messaging.menus (`register_commands`).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.messaging import handlers, jobs
from bot.messaging.context import NewsApplication, NewsContext, Services
from bot.messaging.pacing import TelegramRateLimiter
from bot.messaging.processing import PerChatUpdateProcessor
from bot.messaging.transport import DEFAULTS

logger = logging.getLogger(__name__)


def build_application(services: Services) -> NewsApplication:
    """The bot on these services: handlers, error handler, the scan and progress jobs."""
    settings = services.settings
    application: NewsApplication = (
        Application.builder()
        .token(settings.require_token())
        .base_url(settings.api_url)
        .defaults(DEFAULTS)
        .context_types(ContextTypes(context=NewsContext))
        .rate_limiter(TelegramRateLimiter(services.limiter))
        .concurrent_updates(PerChatUpdateProcessor(services.metrics))
        # Two connections for getUpdates: the call that marks the last updates as fetched, on
        # the way out, must not wait for the long poll it interrupted to give its connection back.
        .get_updates_connection_pool_size(2)
        .build()
    )
    application.bot_data["services"] = services
    handlers.register(application)
    jobs.schedule(application, settings)
    return application


async def queue_update(application: NewsApplication, data: object) -> None:
    """Hand an update Telegram pushed (webhook mode) to the application, as polling would.

    ValueError when it is not an update.
    """
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise ValueError("not an update")
    try:
        update = Update.de_json(data, application.bot)
    # PTB assumes Telegram's shapes: a str where it wants an object, a date out of range...
    except (KeyError, TypeError, AttributeError, OverflowError, OSError) as exc:
        raise ValueError(f"not an update: {exc}") from None
    await application.update_queue.put(update)
