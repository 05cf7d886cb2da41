"""Queries on posts waiting for their page to be live (WAIT_UNTIL_LIVE); each takes a session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.live import LiveWait
from bot.domain.states import PostState
from storage.models import Post as PostRow


async def hold(session: AsyncSession, post_id: int, now: datetime) -> None:
    """A due post waits for its page from now on (its link counts as taken)."""
    await session.execute(
        update(PostRow)
        .where(PostRow.id == post_id)
        .values(state=PostState.WAITING_LIVE, live_since=now)
    )


async def waiting(session: AsyncSession) -> list[LiveWait]:
    """The posts waiting for their page, present and published, longest waiting first."""
    rows = await session.execute(
        select(PostRow.id, PostRow.path, PostRow.url, PostRow.live_since, PostRow.breaking)
        .where(
            PostRow.state == PostState.WAITING_LIVE,
            PostRow.published.is_(True),
            PostRow.present.is_(True),
        )
        .order_by(PostRow.live_since, PostRow.id)
    )
    return [
        LiveWait(post_id, path, url, since, breaking)
        for post_id, path, url, since, breaking in rows
        if since is not None  # hold() always sets it
    ]


async def release(session: AsyncSession, post_id: int, now: datetime) -> bool:
    """Move a waiting post to announced; False if it was not waiting (another process did it)."""
    result = await session.execute(
        update(PostRow)
        .where(PostRow.id == post_id, PostRow.state == PostState.WAITING_LIVE)
        .values(state=PostState.ANNOUNCED, announced_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
