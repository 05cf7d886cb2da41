"""The newest public posts, of some topics or of all: what /latest lists."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.latest import LatestPost
from storage.catalogue import public
from storage.models import Post, PostTopic


async def newest(
    session: AsyncSession, topics: Collection[str] | None, now: datetime, limit: int
) -> list[LatestPost]:
    """The `limit` newest posts public by `now` (published, present, dated by then) that carry
    one of `topics` (None: any post), newest first."""
    query = select(Post.title, Post.url, Post.date).where(*public(now))
    if topics is not None:
        query = query.where(
            exists().where(PostTopic.post_id == Post.id, PostTopic.topic.in_(list(topics)))
        )
    rows = await session.execute(query.order_by(Post.date.desc(), Post.id.desc()).limit(limit))
    return [LatestPost(title, url, date) for title, url, date in rows]
