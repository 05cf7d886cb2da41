"""An admin's broadcast's use cases: the draft, its audience and preview, starting or cancelling
it, its progress and its end.

A part of storage.store.Store (one transaction per use case, domain types out), kept apart so
the store stays small.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.broadcasts import BroadcastInfo, Progress
from bot.domain.states import BroadcastState
from storage import broadcasts, chats, outbox
from storage.transactions import transactions_finish


@transactions_finish
class BroadcastStore:
    """Broadcasts from draft to done (scheduled ones: storage.editors)."""

    _sessions: async_sessionmaker[AsyncSession]

    # -- broadcasts -------------------------------------------------------------------------

    async def create_broadcast(
        self,
        html: str,
        topic: str | None,
        admin_id: int,
        preview_chat_id: int | None,
        now: datetime,
        *,
        photo: str | None = None,
        send_at: datetime | None = None,
    ) -> int:
        """Save a draft broadcast; nothing is queued until start_broadcast (or, with
        `send_at`, schedule_broadcast and its time)."""
        async with self._sessions.begin() as session:
            return await broadcasts.create(
                session, html, topic, admin_id, preview_chat_id, now, photo, send_at
            )

    async def broadcast_audience(self, topic: str | None) -> int:
        """How many chats a broadcast to `topic` (or to everyone) would reach now."""
        async with self._sessions.begin() as session:
            return await chats.audience_size(session, topic)

    async def set_broadcast_preview(self, broadcast_id: int, message_id: int) -> None:
        async with self._sessions.begin() as session:
            await broadcasts.set_preview(session, broadcast_id, message_id)

    async def start_broadcast(self, broadcast_id: int, now: datetime) -> int | None:
        """Queue a draft for its audience; None if it was not a draft (pressed twice)."""
        async with self._sessions.begin() as session:
            started = await broadcasts.move(
                session, broadcast_id, BroadcastState.DRAFT, BroadcastState.SENDING, started_at=now
            )
            if not started:
                return None
            topic = await broadcasts.topic(session, broadcast_id)
            return await outbox.queue_broadcast(session, broadcast_id, topic, now)

    async def cancel_broadcast(self, broadcast_id: int) -> bool:
        """Drop a draft; False if it was already confirmed or cancelled."""
        async with self._sessions.begin() as session:
            return await broadcasts.move(
                session, broadcast_id, BroadcastState.DRAFT, BroadcastState.CANCELLED
            )

    async def broadcast(self, broadcast_id: int) -> BroadcastInfo | None:
        async with self._sessions.begin() as session:
            return await broadcasts.get(session, broadcast_id)

    async def sending_broadcasts(self) -> list[BroadcastInfo]:
        """Broadcasts confirmed and not yet reported as done."""
        async with self._sessions.begin() as session:
            return await broadcasts.in_state(session, BroadcastState.SENDING)

    async def broadcast_progress(self, broadcast_id: int) -> Progress:
        async with self._sessions.begin() as session:
            return await broadcasts.progress(session, broadcast_id)

    async def finish_broadcast(self, broadcast_id: int, now: datetime) -> bool:
        """Mark a broadcast reported; False if another process already did."""
        async with self._sessions.begin() as session:
            return await broadcasts.move(
                session, broadcast_id, BroadcastState.SENDING, BroadcastState.DONE, finished_at=now
            )
