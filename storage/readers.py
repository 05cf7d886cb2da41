"""The readers' use cases beyond following topics: /latest, and forum topics that are gone.

A part of storage.store.Store (one transaction per use case, domain types out), kept apart so
the store stays small.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.latest import LATEST_POSTS, LatestPost
from storage import chats, latest, threads
from storage.transactions import transactions_finish


@transactions_finish
class ReadersStore:
    """The newest posts, and dropping a deleted forum topic's subscriptions."""

    _sessions: async_sessionmaker[AsyncSession]

    async def latest(
        self, topics: Collection[str] | None, now: datetime, limit: int = LATEST_POSTS
    ) -> list[LatestPost]:
        """The newest public posts carrying one of `topics` (None: any), newest first."""
        async with self._sessions.begin() as session:
            return await latest.newest(session, topics, now, limit)

    async def forget_thread(self, chat_id: int, thread: int, reason: str) -> int:
        """A forum topic is gone: drop its subscriptions and its unsent rows, as for a blocked
        chat; returns how many subscriptions it had."""
        async with self._sessions.begin() as session:
            await threads.kill_live(session, chat_id, thread, reason)
            return await chats.forget_thread(session, chat_id, thread)
