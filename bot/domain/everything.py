"""`/subscribe all`: following every post, stored as the reserved topic key "*".

"*" is no topic key a post can have (`topic_key` never gives it; a site topic named "all" has the
key "all", reached with `#all` or its button), so the two never meet. Readers see it as
"All posts", in their language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TypeVar

from bot.domain.i18n import N_, _
from bot.domain.topics import TopicCount, TopicFollowers, TopicInfo

ALL = "*"
ALL_POSTS = N_("All posts")
_WORD = "all"  # /subscribe all; "#all" names a site topic called "all"

Named = TypeVar("Named", TopicInfo, TopicCount, TopicFollowers)


def means_all(word: str) -> bool:
    """Whether a word typed after /subscribe, /unsubscribe or /start means every post."""
    return word.strip().casefold() == _WORD


def everything() -> TopicCount:
    """The pseudo-topic of every post, named in the current language."""
    return TopicCount(ALL, _(ALL_POSTS), 0)


def named(topics: Iterable[Named]) -> list[Named]:
    """`topics` with "*" named "All posts" (in the current language) and listed first."""
    shown = [replace(t, name=_(ALL_POSTS)) if t.key == ALL else t for t in topics]
    return sorted(shown, key=lambda t: t.key != ALL)


def matched(keys: Iterable[str], post_keys: Iterable[str]) -> list[str]:
    """The topics a note shows for a delivery: with "*" among the matched keys, "*" then every
    topic of the post (the chat follows them all); else the matched keys, sorted."""
    found = sorted(k for k in keys if k)
    return [ALL, *sorted(k for k in post_keys if k != ALL)] if ALL in found else found


def note_topics(topics: Sequence[TopicInfo]) -> tuple[list[str], list[TopicInfo]]:
    """A note's hashtag names and the topics that get an unsubscribe button: with "*", only
    "All posts" gets one (leaving one topic would not stop the others)."""
    hashtags = [t.name for t in topics if t.key != ALL]
    buttons = named(t for t in topics if t.key == ALL) or list(topics)
    return hashtags, buttons
