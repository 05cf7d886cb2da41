"""The command menu Telegram shows, in each of the bot's languages; admins see theirs too."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.domain.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, use_language
from bot.domain.texts import ADMIN_COMMANDS, COMMANDS
from bot.settings import Settings

logger = logging.getLogger(__name__)


async def register_commands(
    bot: Bot, settings: Settings, chosen: Mapping[int, str] | None = None
) -> None:
    """Tell Telegram the command list in each of our languages; admins also see theirs.

    English is the default; Russian and German users see the list in their app's language
    (Telegram picks by the user's language_code). An admin whose chat chose a language with
    /language (`chosen`: chat id -> code) sees the list in that one.
    """
    chosen = chosen or {}
    for code in LANGUAGES:
        await bot.set_my_commands(
            _menu(code, admin=False), scope=BotCommandScopeDefault(), language_code=_code(code)
        )
    for admin_id in sorted(settings.admin_ids):
        try:
            if admin_id in chosen:
                await show_commands_in(bot, admin_id, chosen[admin_id], admin=True)
                continue
            for code in LANGUAGES:
                await bot.set_my_commands(
                    _menu(code, admin=True),
                    scope=BotCommandScopeChat(admin_id),
                    language_code=_code(code),
                )
        except TelegramError as exc:
            # Telegram knows no private chat with an admin who never opened the bot.
            logger.info("admin commands not shown to %d yet: %s", admin_id, exc.message)


async def show_commands_in(bot: Bot, chat_id: int, code: str, *, admin: bool) -> None:
    """The chat's command list in `code`, whatever language its members' apps use."""
    # Telegram prefers a chat's list for the user's language to its list for all languages:
    # an admin's chat has those (register_commands), so each is replaced too.
    codes = [_code(c) for c in LANGUAGES] if admin else [None]
    for language_code in codes:
        await bot.set_my_commands(
            _menu(code, admin=admin),
            scope=BotCommandScopeChat(chat_id),
            language_code=language_code,
        )


def _menu(code: str, *, admin: bool) -> list[BotCommand]:
    commands = {**COMMANDS, **ADMIN_COMMANDS} if admin else COMMANDS
    with use_language(code):
        return [BotCommand(name, _(text)) for name, text in commands.items()]


def _code(code: str) -> str | None:
    """The language_code of a menu: none for the default (English) one."""
    return None if code == DEFAULT_LANGUAGE else code
