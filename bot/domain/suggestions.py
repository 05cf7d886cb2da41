"""Topics to offer for words that name none: the closest known ones, as buttons."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from bot.domain.texts import SUGGESTED_WORDS
from bot.domain.topics import TopicCount, topic_key

PER_WORD = 3
MAX_SUGGESTIONS = 6  # buttons under one reply


def closest(words: Sequence[str], known: Sequence[TopicCount]) -> list[TopicCount]:
    """The known topics closest to each of the first few words, once each, best first."""
    by_key = {t.key: t for t in known}
    found: list[TopicCount] = []
    for word in words[:SUGGESTED_WORDS]:
        for key in difflib.get_close_matches(topic_key(word), list(by_key), PER_WORD, 0.5):
            if by_key[key] not in found:
                found.append(by_key[key])
    return found[:MAX_SUGGESTIONS]
