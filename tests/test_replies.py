"""Bounded replies: lists that fit Telegram's limit, measured as Telegram measures."""

from __future__ import annotations

from bot.domain.notes import telegram_length
from bot.domain.replies import bounded_list, visible_length


def test_bounded_list_measures_what_the_user_sees() -> None:
    items = [f"<b>{'&amp;' * 10}</b>"] * 1000  # ten visible characters each
    text = bounded_list("Head\n", items, "\nFoot", limit=100)
    assert visible_length(text) <= 100
    assert text.startswith("Head\n<b>&amp;") and text.endswith(" more\nFoot")
    assert bounded_list("H: ", ["a", "b"], ".", separator=", ") == "H: a, b."
    emoji = ["🗞️" * 30] * 10  # 60 UTF-16 units each, 30 characters
    assert telegram_length(bounded_list("", emoji, limit=200)) <= 200
