"""Command arguments as users type them: total parsers, any text in, a value out."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Sequence
from dataclasses import dataclass

from bot.domain.topics import topic_key

_COMMAND = re.compile(r"/\w+(@\w+)?\s*")  # "/broadcast" or "/broadcast@newsbot", then spaces
_TOPIC = re.compile(r"#(\S+)\s*")
_AT = re.compile(
    r"at\s+(?P<date>[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})\s+(?P<time>[0-9]{1,2}:[0-9]{2})(?:\s+|$)"
)
_TOPIC_SEPARATORS = re.compile(r"[,\s]+")


@dataclass(frozen=True)
class BroadcastArgs:
    """What follows /broadcast: an optional #topic, then the message."""

    topic: str | None  # the word after "#", as typed
    cut: int  # where the message begins in the command's text (characters)
    text: str  # the message, as plain text
    at: str | None = None  # "YYYY-MM-DD HH:MM" after `at`: when a scheduled broadcast starts


def parse_broadcast(text: str) -> BroadcastArgs:
    """Split `/broadcast [#topic] TEXT` into its parts; any text parses."""
    command = _COMMAND.match(text)
    cut = command.end() if command else 0
    topic = at = None
    if match := _AT.match(text, cut):
        at, cut = f"{match['date']} {match['time']}", match.end()
    if match := _TOPIC.match(text, cut):
        topic, cut = match.group(1), match.end()
    return BroadcastArgs(topic, cut, text[cut:], at)


def visible_words(args: Sequence[str]) -> list[str]:
    """A command's arguments without the invisible format characters copying from a web page
    brings along (zero-width spaces, direction marks, a BOM); a word of nothing else goes.

    Unseen, they would make "Europe/Berlin" an unknown zone in a reply that shows it right.
    """
    kept = ("".join(c for c in arg if unicodedata.category(c) != "Cf") for arg in args)
    return [arg for arg in kept if arg]


def topic_words(wanted: str, known_keys: Container[str]) -> list[str]:
    """The topics /subscribe is asked for, once each (by key), in the order typed.

    "Breaking News" may be one topic, while "news sport" is two: the whole argument counts
    as one when it names a known topic, else it splits at commas and spaces.
    """
    items = [wanted] if topic_key(wanted) in known_keys else _TOPIC_SEPARATORS.split(wanted)
    words: list[str] = []
    seen: set[str] = set()
    for item in filter(None, items):
        key = topic_key(item)
        if key not in seen:
            seen.add(key)
            words.append(item)
    return words
