"""Wiring: one place that builds the Application with its handlers and scheduled jobs."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, ExtBot

from bot.domain.texts import ADMIN_COMMANDS, COMMANDS
from bot.messaging import handlers, jobs
from bot.messaging.context import NewsApplication, NewsContext, Services
from bot.messaging.pacing import TelegramRateLimiter
from bot.messaging.timing import TimedUpdates
from bot.messaging.transport import DEFAULTS
from bot.settings import Settings

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
        .concurrent_updates(TimedUpdates(services.metrics))
        .build()
    )
    application.bot_data["services"] = services
    handlers.register(application)
    jobs.schedule(application, settings)
    return application


async def register_commands(bot: ExtBot[None], settings: Settings) -> None:
    """Tell Telegram the command list; admins also see the admin commands."""
    public = [BotCommand(name, text) for name, text in COMMANDS.items()]
    admin = public + [BotCommand(name, text) for name, text in ADMIN_COMMANDS.items()]
    await bot.set_my_commands(public, scope=BotCommandScopeDefault())
    for admin_id in sorted(settings.admin_ids):
        try:
            await bot.set_my_commands(admin, scope=BotCommandScopeChat(admin_id))
        except TelegramError as exc:
            # Telegram knows no private chat with an admin who never opened the bot.
            logger.info("admin commands not shown to %d yet: %s", admin_id, exc.message)


async def queue_update(application: NewsApplication, data: object) -> None:
    """Hand an update Telegram pushed (webhook mode) to the application, as polling would.

    ValueError when it is not an update.
    """
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise ValueError("not an update")
    try:
        update = Update.de_json(data, application.bot)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not an update: {exc}") from None
    await application.update_queue.put(update)
