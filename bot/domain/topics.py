"""Topics: the categories and tags chats follow, by a normalised key."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

TOPIC_KEY_LIMIT = 200  # characters, the width of the topic columns
_KEY_SEPARATORS = re.compile(r"[\s_\-]+")


@dataclass(frozen=True)
class Topic:
    """A category or tag a chat can subscribe to."""

    key: str
    name: str
    kind: str


@functools.lru_cache(maxsize=4096)  # a site's topics repeat from post to post
def topic_key(name: str) -> str:
    """The normalised form of a topic name that subscriptions store.

    Never "*", the reserved key of "all posts" (bot.domain.everything): a topic named "*"
    gets the empty key, which no post records.
    """
    key = name.strip().lstrip("#").casefold()
    # casefold() may leave decomposed characters; NFC makes "é" typed either way one key.
    key = unicodedata.normalize("NFC", key)
    # Keys are stored in 200-character columns: a longer one would fail the whole scan.
    key = _KEY_SEPARATORS.sub("-", key).strip("-")[:TOPIC_KEY_LIMIT].rstrip("-")
    return "" if key == "*" else key


@dataclass(frozen=True)
class TopicInfo:
    """A topic as users see it: its key and its display name."""

    key: str
    name: str


@dataclass(frozen=True)
class TopicCount:
    """A known topic with the number of posts that carry it."""

    key: str
    name: str
    posts: int


@dataclass(frozen=True)
class TopicFollowers:
    """A topic with the number of chats that follow it."""

    key: str
    name: str
    chats: int
