"""Replying to an update: a message in the chat, or an answer on the pressed button."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.domain import callbacks

logger = logging.getLogger(__name__)


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Reply in the update's chat (HTML, by the Application's Defaults), without quoting."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(text, reply_markup=markup, do_quote=False)


async def answer(query: CallbackQuery, text: str, *, alert: bool = False) -> None:
    """Answer a button press, within Telegram's limit for the answer.

    An empty `text` answers without a note. A press made while the bot was down can no longer
    be answered: the press still counts, only the little note on the button is lost.
    """
    try:
        await query.answer(callbacks.answer_text(text) or None, show_alert=alert)
    except BadRequest as exc:
        if "query is too old" not in exc.message.lower():
            raise
        logger.info("button press too old to answer (%s)", exc.message)


async def refuse(update: Update, text: str) -> None:
    """Say no: on the button as an alert when one was pressed, else in the chat."""
    if update.callback_query is not None:
        await answer(update.callback_query, text, alert=True)
    else:
        await reply(update, text)


async def edit_in_place(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Show `text` in the pressed button's message; the same view again (a double tap, the
    choice already shown) is left as it is: Telegram refuses it as "message is not modified".

    A message Telegram no longer lets the bot edit (older than 48 hours, or deleted since the
    press) cannot show it: the view comes as a new message in its chat instead.
    """
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        problem = exc.message.lower()
        if any(refusal in problem for refusal in _CANNOT_EDIT):
            await _send_instead(query, text, markup)
        elif "not modified" not in problem:
            raise


# Telegram's answers for a message the bot may no longer change.
_CANNOT_EDIT = ("can't be edited", "message to edit not found")


async def _send_instead(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    message = query.message
    if not isinstance(message, Message):  # pragma: no cover - buttons route only messages
        return
    logger.info("message %d of chat %d no longer editable: sent anew", message.id, message.chat.id)
    await message.reply_text(text, reply_markup=markup, do_quote=False)


async def edit_buttons(message: Message, markup: InlineKeyboardMarkup) -> None:
    """Replace a message's inline keyboard (editMessageReplyMarkup), if Telegram still lets us.

    Through PTB's own `_post`, as transport.BulkBot does: PTB's edit_message_reply_markup adds
    the Defaults' parse_mode, a parameter the method does not have, and do_api_request warns
    about a method the Bot class has.
    """
    data: dict[str, object] = {"chat_id": message.chat.id, "message_id": message.message_id}
    if markup.inline_keyboard:
        # Without a keyboard the call removes it (Telegram refuses an empty one).
        data["reply_markup"] = markup
    try:
        await message.get_bot()._post("editMessageReplyMarkup", data)
    except BadRequest as exc:
        # A double tap finds its buttons already changed; a note older than 48 hours keeps its
        # old buttons: the press was done and answered all the same.
        problem = exc.message.lower()
        if "not modified" in problem:
            return
        if not any(refusal in problem for refusal in _CANNOT_EDIT):
            raise
        logger.info(
            "buttons of message %d in chat %d left: %s", message.id, message.chat.id, problem
        )
