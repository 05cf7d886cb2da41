"""What the bot announces: how a post is recorded, when it is news, and when a repeat.

Storage asks these functions inside its transaction and stores what they answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.breaking import DEFAULT_BREAKING_TAGS, is_breaking
from bot.domain.posts import Post
from bot.domain.states import PostState


@dataclass(frozen=True)
class PostRecord:
    """A post as the catalogue keeps it: its links made absolute on the site."""

    path: str
    title: str
    date: datetime
    url: str
    excerpt: str
    image_url: str | None
    published: bool
    breaking: bool = False


@dataclass(frozen=True)
class DuePost:
    """A waiting post whose date has come: to announce, unless its link is old news."""

    id: int
    path: str
    title: str
    url: str
    breaking: bool = False


def post_record(
    post: Post, site_url: str, breaking_tags: frozenset[str] = DEFAULT_BREAKING_TAGS
) -> PostRecord:
    """What to store of `post` for the site at `site_url` (links as readers will follow them).

    Whether it is breaking news is decided here, with the site's BREAKING_TAGS keys.
    """
    return PostRecord(
        path=post.path,
        title=post.title,
        date=post.date,
        url=post.url(site_url),
        excerpt=post.excerpt,
        image_url=post.image_url(site_url),
        published=post.published,
        breaking=is_breaking(post, breaking_tags),
    )


def initial_state(post: Post, first_scan: bool, now: datetime) -> PostState:
    """The state a newly found post is recorded in.

    Posts already public when the bot first looks are history, not news: skipped. Any other
    post waits until it is due (a draft or a future-dated post waits for ever, or its date).
    """
    if first_scan and post.published and post.date <= now:
        return PostState.SKIPPED
    return PostState.WAITING


def decide(due: Iterable[DuePost], known_urls: Iterable[str]) -> list[tuple[DuePost, PostState]]:
    """Announce or skip each due post, in the order given.

    The same link under another file name (a renamed or copied file) is old news: a post is
    skipped when a post already announced or skipped has its URL, and so is the second of
    two due posts sharing one.
    """
    seen = set(known_urls)
    decisions = []
    for post in due:
        state = PostState.SKIPPED if post.url in seen else PostState.ANNOUNCED
        seen.add(post.url)
        decisions.append((post, state))
    return decisions
