"""A post as the bot announces it, and the error for a file that is not one."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from bot.domain.topics import Topic, topic_key
from bot.domain.urls import join_url, photo_url


def _topics(categories: tuple[str, ...], tags: tuple[str, ...]) -> tuple[Topic, ...]:
    """Post.topics: categories then tags, one per key, spelled as first written."""
    seen: set[str] = set()
    topics: list[Topic] = []
    for kind, names in (("category", categories), ("tag", tags)):
        for name in names:
            key = topic_key(name)
            # A key of "" cannot be subscribed to, so it is not a topic.
            if key and key not in seen:
                seen.add(key)
                topics.append(_topic(key, name, kind))
    return tuple(topics)


@functools.lru_cache(maxsize=4096)
def _topic(key: str, name: str, kind: str) -> Topic:
    """One object for each topic: a site's topics repeat from post to post, and an object
    shared by the posts a scan's worker sends back is pickled once (a third of the time)."""
    return Topic(key=key, name=name, kind=kind)


class MalformedPost(Exception):
    """A post file that cannot be announced."""

    def __init__(self, path: str, reason: str) -> None:
        # Both go to Exception so the error survives pickling (e.g. across processes).
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Post:
    """One post, as the bot announces it."""

    path: str
    title: str
    date: datetime
    slug: str
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    excerpt: str
    image: str | None
    author: str | None
    published: bool
    link: str
    # `breaking: true` in the front matter (a BREAKING_TAGS tag makes a post breaking too:
    # see bot.domain.breaking).
    breaking: bool = False
    # `retracted: true`: the newsroom withdrew it; like `published: false`, and its notes go.
    retracted: bool = False

    @property
    def topics(self) -> tuple[Topic, ...]:
        """Categories then tags, one per key, spelled as first written."""
        # Worked out once (asked when the post is recorded and when it is news) and kept in
        # the instance, pickled with it. Not functools.cached_property: its lock (Python
        # 3.11) could be held by another thread when a scan forks its readers.
        known: tuple[Topic, ...] | None = self.__dict__.get("_topics")
        if known is None:
            known = _topics(self.categories, self.tags)
            object.__setattr__(self, "_topics", known)
        return known

    def url(self, site_url: str) -> str:
        """The post's absolute URL on the site at site_url."""
        return join_url(site_url, self.link)

    def image_url(self, site_url: str) -> str | None:
        """The image's absolute http(s) URL on the site at site_url, or None."""
        return None if self.image is None else photo_url(self.image, site_url)
