"""/latest [TOPIC]: the newest public posts of the chat's topics (or of one), as one message."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.domain.callbacks import shorten
from bot.domain.i18n import N_, _
from bot.domain.replies import bounded_list, name_html

LATEST_POSTS = 5
TITLE_LIMIT = 200  # characters of a title in the list

FOLLOWS_NOTHING = N_(
    "This chat follows no topic yet: /latest TOPIC shows a topic's newest posts, "
    "/subscribe follows one."
)


@dataclass(frozen=True)
class LatestPost:
    """A public post as /latest lists it."""

    title: str
    url: str
    date: datetime


def _line(post: LatestPost, zone: tzinfo) -> str:
    title = html.escape(shorten(post.title.strip() or post.url, TITLE_LIMIT))
    href = html.escape(post.url, quote=True)
    day = post.date.astimezone(zone).strftime("%Y-%m-%d")
    return f'• <a href="{href}">{title}</a> — {day}'


def latest(posts: Sequence[LatestPost], topic_name: str | None, zone: tzinfo) -> str:
    """The list, newest first; `topic_name` None: the chat's own topics."""
    if topic_name is None:
        header = _("The newest posts on this chat's topics:")
        empty = _("No post on this chat's topics yet.")
    else:
        header = _("The newest posts on {topic}:").format(topic=name_html(topic_name))
        empty = _("No post on {topic} yet.").format(topic=name_html(topic_name))
    if not posts:
        return empty
    return bounded_list(header + "\n", [_line(p, zone) for p in posts])
