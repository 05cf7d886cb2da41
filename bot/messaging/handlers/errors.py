"""What no other handler takes: unknown buttons, and errors raised by handlers."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler

from bot.domain import texts
from bot.domain.i18n import _, use_language
from bot.messaging.chat_language import in_chat_language, told_language
from bot.messaging.context import NewsApplication, NewsContext
from bot.messaging.replying import answer

logger = logging.getLogger(__name__)


async def unknown_button(update: Update, context: NewsContext) -> None:
    """Callback data this bot did not make (forged, or from another bot): a quiet answer."""
    assert update.callback_query is not None
    await answer(update.callback_query, _(texts.STALE_BUTTON))


async def on_error(update: object, context: NewsContext) -> None:
    logger.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return
    # The handler's language ended with it; the error may be the database's: the app's language.
    with use_language(told_language(update)):
        await _apologise(update)


async def _apologise(update: Update) -> None:
    try:
        if update.callback_query is not None:
            # A button press is answered on the button: nothing is posted into the chat.
            await answer(update.callback_query, _(texts.SORRY))
        elif update.effective_message is not None:
            await update.effective_message.reply_text(_(texts.SORRY))
    except TelegramError:
        logger.warning("could not tell the user about the error", exc_info=True)


def register(application: NewsApplication) -> None:
    """The catch-all for buttons (after every other handler) and the error handler."""
    application.add_handler(CallbackQueryHandler(in_chat_language(unknown_button)))
    application.add_error_handler(on_error)
