"""How updates reach handlers: commands in new messages, buttons by their callback data's prefix."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.domain import callbacks
from bot.domain.callbacks import (
    Action,
    BroadcastButton,
    ChannelButton,
    LanguageButton,
    SettingsButton,
    SettingsPageButton,
    TopicButton,
)
from bot.domain.commands import visible_words
from bot.domain.i18n import _
from bot.domain.texts import STALE_BUTTON
from bot.messaging.chat_language import in_chat_language
from bot.messaging.context import NewsContext
from bot.messaging.replying import answer

Pressed = TypeVar(
    "Pressed",
    TopicButton,
    BroadcastButton,
    ChannelButton,
    LanguageButton,
    SettingsButton,
    SettingsPageButton,
)
CommandCallback = Callable[[Update, NewsContext], Coroutine[Any, Any, None]]


def command(name: str, callback: CommandCallback) -> CommandHandler[NewsContext, None]:
    """/name in a new message: editing an old /broadcast must not make a second draft.

    The command runs in its chat's language, as every handler does, and sees its arguments
    without invisible characters (commands.visible_words).
    """

    @functools.wraps(callback)
    async def visible(update: Update, context: NewsContext) -> None:
        if context.args:
            context.args = visible_words(context.args)
        await callback(update, context)

    return CommandHandler(name, in_chat_language(visible), filters.UpdateType.MESSAGE)


def button(
    action: Action,
    kind: type[Pressed],
    callback: Callable[[Update, NewsContext, Pressed, Message], Awaitable[None]],
) -> CallbackQueryHandler[NewsContext, None]:
    """Presses of `action`'s buttons, parsed: data that does not parse gets a quiet answer."""

    async def pressed(update: Update, context: NewsContext) -> None:
        query = update.callback_query
        assert query is not None
        parsed = callbacks.parse(query.data or "")
        if not isinstance(parsed, kind) or not isinstance(query.message, Message):
            await answer(query, _(STALE_BUTTON))
            return
        await callback(update, context, parsed, query.message)

    return CallbackQueryHandler(in_chat_language(pressed), pattern=action.pattern)
