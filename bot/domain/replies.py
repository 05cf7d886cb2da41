"""Replies that fit Telegram's limits whatever the input: bounded lists and shortened names."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from bot.domain.callbacks import shorten
from bot.domain.i18n import ngettext
from bot.domain.notes import TEXT_LIMIT, telegram_length

NAME_LIMIT = 100  # a topic name (or a word a user typed) as a reply shows it
_TAG = re.compile(r"<[^>]*>")


def visible_length(html_text: str) -> int:
    """Telegram's length of our HTML as the user sees it: tags dropped, escapes counted once."""
    return telegram_length(html.unescape(_TAG.sub("", html_text)))


def name_html(name: str, limit: int = NAME_LIMIT) -> str:
    """A name in bold, escaped and shortened."""
    return f"<b>{html.escape(shorten(name, limit))}</b>"


def more_line(count: int) -> str:
    return ngettext("… and {count} more", "… and {count} more", count).format(count=count)


def bounded_list(
    header: str,
    items: Sequence[str],
    footer: str = "",
    *,
    separator: str = "\n",
    limit: int = TEXT_LIMIT,
) -> str:
    """`header`, the items that fit, "… and N more" for the others, `footer`: at most `limit`.

    All parts are HTML; the limit counts what the user sees, in UTF-16 units as Telegram does.
    """
    room = limit - visible_length(header + footer)
    gap = visible_length(separator)
    sizes = [visible_length(item) for item in items]
    if sum(sizes) + gap * max(len(items) - 1, 0) <= room:
        return header + separator.join(items) + footer
    # The "more" line is measured with the largest count it can show.
    room -= gap + visible_length(more_line(len(items)))
    shown: list[str] = []
    for item, size in zip(items, sizes, strict=True):
        cost = size + (gap if shown else 0)
        if cost > room:
            break
        shown.append(item)
        room -= cost
    return header + separator.join([*shown, more_line(len(items) - len(shown))]) + footer
