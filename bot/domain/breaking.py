"""Breaking news: which posts are breaking, the label on their note, and their place in line.

A post is breaking when its front matter says `breaking: true` or when one of its topics is in
BREAKING_TAGS. Its outbox rows get the breaking priority: every sender claims them before any
regular row (replies to people still come first, through the rate limiter).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from bot.domain.i18n import N_, _
from bot.domain.posts import Post
from bot.domain.topics import topic_key

DEFAULT_BREAKING_TAGS = frozenset({"breaking"})
_LABEL = N_("🔴 Breaking")


class Priority(IntEnum):
    """An outbox row's place in line: claims take the lowest first, then the oldest."""

    BREAKING = 0
    REGULAR = 1


def breaking_keys(names: Iterable[str]) -> frozenset[str]:
    """The topic keys of BREAKING_TAGS as written (any case, `#tag`, spaces or dashes)."""
    return frozenset(key for key in (topic_key(name) for name in names) if key)


def is_breaking(post: Post, tags: frozenset[str] = DEFAULT_BREAKING_TAGS) -> bool:
    """Whether `post` is breaking news: flagged so, or carrying one of the `tags` keys."""
    return post.breaking or any(topic.key in tags for topic in post.topics)


def priority(breaking: bool) -> Priority:
    return Priority.BREAKING if breaking else Priority.REGULAR


def breaking_label() -> str:
    """The line above a breaking note's title (plain text: the caller escapes it)."""
    return _(_LABEL)
