"""The inline keyboards under the bot's replies."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain import callbacks, texts
from bot.domain.callbacks import Action, shorten
from bot.domain.change_texts import EDIT_BUTTON, RECALL_BUTTON
from bot.domain.i18n import LANGUAGES, _
from bot.domain.language_texts import language_button
from bot.domain.topics import TopicCount, TopicInfo


def button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(callbacks.button_label(label), callback_data=data)


def topics_to_follow(shown: Sequence[TopicCount]) -> InlineKeyboardMarkup:
    """Two topics a row, each with its number of posts."""
    buttons = [button(texts.topic_button(t), callbacks.subscribe_data(t.key)) for t in shown]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def topics_to_stop(shown: Sequence[TopicInfo]) -> InlineKeyboardMarkup:
    """One followed topic a row."""
    return InlineKeyboardMarkup(
        [[button(shorten(t.name, 40), callbacks.leave_data(t.key))] for t in shown]
    )


def replaced(
    markup: InlineKeyboardMarkup | None, data: str, new: InlineKeyboardButton | None
) -> InlineKeyboardMarkup:
    """`markup` with the button whose callback data is `data` replaced by `new` (None: dropped,
    and its row with it when it was alone)."""
    rows = []
    for row in markup.inline_keyboard if markup is not None else ():
        kept = [b for b in row if b.callback_data != data]
        if len(kept) < len(row) and new is not None:
            kept = [new if b.callback_data == data else b for b in row]
        if kept:
            rows.append(kept)
    return InlineKeyboardMarkup(rows)


def send_or_cancel(broadcast_id: int, audience: int) -> InlineKeyboardMarkup:
    """The buttons under a broadcast's preview."""
    send = callbacks.broadcast_data(Action.SEND_BROADCAST, broadcast_id)
    cancel = callbacks.broadcast_data(Action.CANCEL_BROADCAST, broadcast_id)
    return InlineKeyboardMarkup(
        [[button(texts.send_button(audience), send), button(_(texts.CANCEL), cancel)]]
    )


def edit_or_recall(broadcast_id: int) -> InlineKeyboardMarkup:
    """The buttons under a sent broadcast's report."""
    edit = callbacks.broadcast_data(Action.EDIT_BROADCAST, broadcast_id)
    recall = callbacks.broadcast_data(Action.RECALL_BROADCAST, broadcast_id)
    return InlineKeyboardMarkup([[button(_(EDIT_BUTTON), edit), button(_(RECALL_BUTTON), recall)]])


def languages() -> InlineKeyboardMarkup:
    """One button per language the bot speaks, named in itself."""
    return InlineKeyboardMarkup([language_row(callbacks.language_data)])


def language_row(data: Callable[[str], str]) -> list[InlineKeyboardButton]:
    """A button per language, named in itself; `data` is what each carries for its code."""
    return [button(language_button(code), data(code)) for code in LANGUAGES]
