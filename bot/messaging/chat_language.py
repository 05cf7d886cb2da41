"""Each update handled in its chat's language, and every handler registered so.

The chat's stored language wins; a chat that has none yet takes the language of the user who
writes (their Telegram app's `language_code`, when it is one we speak), and keeps it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.domain.i18n import supported, use_language
from bot.messaging.context import NewsContext
from storage.locks import is_outage

logger = logging.getLogger(__name__)

Callback = Callable[[Update, NewsContext], Coroutine[Any, Any, None]]

# Every callback made by `in_chat_language`: a test checks each registered handler is one.
SPEAKING: set[Callback] = set()


def told_language(update: Update) -> str | None:
    """The language of ours that the user's Telegram app uses, if any."""
    user = update.effective_user
    return supported(user.language_code) if user is not None else None


async def chat_language(update: Update, context: NewsContext) -> tuple[str | None, bool]:
    """The language to answer the update in, and whether the chat has it stored."""
    told, chat = told_language(update), update.effective_chat
    if chat is None:
        return told, False
    try:
        stored = await context.store.chat_language(chat.id, told)
    except Exception as exc:
        if not is_outage(exc):
            raise
        # The reply may not need the database (/help): it comes in the app's language.
        logger.info("chat %d answered in its user's language: database unreachable", chat.id)
        return told, True
    return stored or told, stored is not None


def in_chat_language(callback: Callback) -> Callback:
    """`callback` run with the update's chat language set (bot.domain.i18n.use_language)."""

    @functools.wraps(callback)
    async def speaking(update: Update, context: NewsContext) -> None:
        language, stored = await chat_language(update, context)
        with use_language(language):
            await callback(update, context)
        if not stored and language is not None and update.effective_chat is not None:
            # The handler may have registered the chat (/start): it keeps this language.
            await context.store.chat_language(update.effective_chat.id, language)

    SPEAKING.add(speaking)
    return speaking
