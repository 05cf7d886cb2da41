"""Wiring: one place that builds the Application with its handlers and scheduled jobs."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, ExtBot

from bot.domain.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, use_language
from bot.domain.texts import ADMIN_COMMANDS, COMMANDS
from bot.messaging import handlers, jobs
from bot.messaging.context import NewsApplication, NewsContext, Services
from bot.messaging.pacing import TelegramRateLimiter
from bot.messaging.processing import PerChatUpdateProcessor
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
        .concurrent_updates(PerChatUpdateProcessor(services.metrics))
        .build()
    )
    application.bot_data["services"] = services
    handlers.register(application)
    jobs.schedule(application, settings)
    return application


async def register_commands(bot: ExtBot[None], settings: Settings) -> None:
    """Tell Telegram the command list in each of our languages; admins also see theirs.

    English is the default; Russian and German users see the list in their app's language
    (Telegram picks by the user's language_code).
    """
    for code in LANGUAGES:
        await bot.set_my_commands(
            _menu(code, admin=False), scope=BotCommandScopeDefault(), language_code=_code(code)
        )
    for admin_id in sorted(settings.admin_ids):
        try:
            for code in LANGUAGES:
                await bot.set_my_commands(
                    _menu(code, admin=True),
                    scope=BotCommandScopeChat(admin_id),
                    language_code=_code(code),
                )
        except TelegramError as exc:
            # Telegram knows no private chat with an admin who never opened the bot.
            logger.info("admin commands not shown to %d yet: %s", admin_id, exc.message)


def _menu(code: str, *, admin: bool) -> list[BotCommand]:
    commands = {**COMMANDS, **ADMIN_COMMANDS} if admin else COMMANDS
    with use_language(code):
        return [BotCommand(name, _(text)) for name, text in commands.items()]


def _code(code: str) -> str | None:
    """The language_code of a menu: none for the default (English) one."""
    return None if code == DEFAULT_LANGUAGE else code


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
