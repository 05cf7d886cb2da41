"""Callback data of inline buttons: small strings Telegram echoes back (at most 64 bytes)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

MAX_DATA_BYTES = 64


@dataclass(frozen=True)
class Button:
    """A pressed button: what to do, and to which topic or broadcast."""

    action: str  # "sub", "unsub", "bc-send", "bc-cancel"
    value: str  # a topic key, a topic digest ("#..."), or a broadcast id


def _topic_ref(key: str, action: str) -> str:
    data = f"{action}:{key}"
    if len(data.encode()) <= MAX_DATA_BYTES:
        return data
    # Long keys travel as a digest, resolved against the topics the chat can see.
    return f"{action}:#{digest(key)}"


def digest(key: str) -> str:
    return hashlib.blake2s(key.encode(), digest_size=12).hexdigest()


def subscribe_data(key: str) -> str:
    return _topic_ref(key, "sub")


def unsubscribe_data(key: str) -> str:
    return _topic_ref(key, "unsub")


def broadcast_data(action: str, broadcast_id: int) -> str:
    return f"{action}:{broadcast_id}"


def parse(data: str) -> Button | None:
    """The button behind callback data, or None for data this bot did not make."""
    action, sep, value = data.partition(":")
    if not sep or not value or action not in {"sub", "unsub", "bc-send", "bc-cancel"}:
        return None
    return Button(action, value)


def resolve_topic(value: str, keys: Iterable[str]) -> str | None:
    """The topic key a button names, among `keys` when it came as a digest."""
    if not value.startswith("#"):
        return value
    return next((key for key in keys if digest(key) == value[1:]), None)


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis (for button labels)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
