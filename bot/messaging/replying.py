"""Replying to an update: a message in the chat, or an answer on the pressed button."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Update

from bot.domain import callbacks


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Reply in the update's chat (HTML, by the Application's Defaults), without quoting."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(text, reply_markup=markup, do_quote=False)


async def answer(query: CallbackQuery, text: str, *, alert: bool = False) -> None:
    """Answer a button press, within Telegram's limit for the answer."""
    await query.answer(callbacks.answer_text(text), show_alert=alert)


async def refuse(update: Update, text: str) -> None:
    """Say no: on the button as an alert when one was pressed, else in the chat."""
    if update.callback_query is not None:
        await answer(update.callback_query, text, alert=True)
    else:
        await reply(update, text)
