"""Telegram messages announcing posts, in Telegram's HTML flavour."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.i18n import N_, _

__all__ = [
    "CAPTION_LIMIT",
    "TEXT_LIMIT",
    "Notification",
    "render_broadcast",
    "render_post",
    "telegram_length",
]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

_ELLIPSIS = "…"
_READ_MORE = N_("Read more")  # the link to the post, in the chat's language
# Room below which a cut excerpt is left out rather than shown as a stub.
_MIN_EXCERPT_ROOM = 24
# How far back from a cut to look for a space before cutting mid-word instead.
_WORD_LOOKBACK = 40
# Characters that bind to the one before them: cutting before them mangles it.
_JOINERS = frozenset("\u200c\u200d\ufe0e\ufe0f")


@dataclass(frozen=True)
class Notification:
    """A rendered announcement: a text message, or a photo with a caption."""

    html: str
    photo: str | None


def telegram_length(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def render_post(
    *,
    title: str,
    excerpt: str,
    url: str,
    topics: Sequence[str],
    photo: str | None = None,
    label: str = "",
) -> Notification:
    """The announcement of one post, within Telegram's length limit.

    `label` (plain text, such as "🔴 Breaking") is a bold line above the title.
    """
    limit = CAPTION_LIMIT if photo else TEXT_LIMIT
    if label:
        label = _shorten(label, 64)
        limit -= telegram_length(label) + 1
    link = _(_READ_MORE) if url.strip() else ""
    hashtags = _hashtag_line(topics)
    # Hashtags only when they fit beside the whole title: they never cost it characters.
    if _visible_length(title, "", link, hashtags) > limit:
        hashtags = ""
    # Measuring with a one-character stand-in gives the room exactly, separators included.
    shown_title = _shorten(title, limit - _visible_length("T", "", link, hashtags) + 1)
    if shown_title != title:
        # The title only gets cut once the excerpt is gone entirely.
        excerpt = ""
    title = shown_title
    if not excerpt.strip():
        excerpt = ""
    room = limit - _visible_length(title, "E", link, hashtags) + 1
    if telegram_length(excerpt) > room:
        # A few words and "…" tell the reader nothing; better no excerpt at all.
        excerpt = _shorten(excerpt, room) if room >= _MIN_EXCERPT_ROOM else ""
        if excerpt.strip() in ("", _ELLIPSIS):
            excerpt = ""

    blocks = []
    if title:
        blocks.append(f"<b>{_escape(title)}</b>")
    if excerpt:
        blocks.append(_escape(excerpt))
    if link:
        blocks.append(f'<a href="{html.escape(url, quote=True)}">{link}</a>')
    text = "\n\n".join(blocks)
    if hashtags:
        text = f"{text}\n{_escape(hashtags)}" if text else _escape(hashtags)
    if label:
        text = f"<b>{_escape(label)}</b>\n{text}"
    return Notification(html=text, photo=photo or None)


def render_broadcast(html: str) -> str:
    """An admin's broadcast, already valid Telegram HTML, marked as one."""
    return f"📢 {html}"


def _escape(text: str) -> str:
    # Quotes need no escaping outside attributes; leaving them keeps the HTML readable.
    return html.escape(text, quote=False)


def _visible_length(title: str, excerpt: str, link: str, hashtags: str) -> int:
    """Telegram length of what the user sees for these parts, as render_post lays them out."""
    blocks = [part for part in (title, excerpt, link) if part]
    text = "\n\n".join(blocks)
    if hashtags:
        text = f"{text}\n{hashtags}" if text else hashtags
    return telegram_length(text)


def _hashtag_line(topics: Sequence[str]) -> str:
    tags = (_hashtag(topic) for topic in topics)
    # Two spellings of one topic ("World News", "world-news") differ; exact repeats do not.
    return " ".join(dict.fromkeys(tag for tag in tags if tag))


def _hashtag(topic: str) -> str:
    """#name with what Telegram would end a hashtag at replaced by "_"; "" if no word."""
    name = "".join(char if _is_word_char(char) else "_" for char in topic.strip().lstrip("#"))
    if not any(char != "_" for char in name):
        return ""
    return f"#{name}"


def _is_word_char(char: str) -> bool:
    # Letters, digits and combining marks: "समाचार" needs its vowel signs (category M).
    return char == "_" or unicodedata.category(char)[0] in "LNM"


def _shorten(text: str, budget: int) -> str:
    """text cut to at most budget UTF-16 units, ending with "…" when cut."""
    if telegram_length(text) <= budget:
        return text
    if budget < telegram_length(_ELLIPSIS):
        return ""
    room = budget - telegram_length(_ELLIPSIS)
    end = used = 0
    while end < len(text):
        width = 2 if ord(text[end]) > 0xFFFF else 1
        if used + width > room:
            break
        used += width
        end += 1
    # Don't part a character from its combining marks, or an emoji from a joined one.
    while 0 < end < len(text) and (_binds_to_previous(text[end]) or text[end - 1] == "\u200d"):
        end -= 1
    cut = text[:end]
    if end < len(text) and not text[end].isspace():
        space = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
        if space > 0 and space >= len(cut) - _WORD_LOOKBACK:
            cut = cut[:space]
    # "war,…" or "said:…" reads worse than "war…".
    cut = cut.rstrip().rstrip(",;:-–—").rstrip()
    return f"{cut}{_ELLIPSIS}"


def _binds_to_previous(char: str) -> bool:
    # Category M, not combining(): spacing marks such as Devanagari "ा" have class 0.
    return char in _JOINERS or unicodedata.category(char)[0] == "M"
