"""The editors' use cases of the store: channels, and scheduled broadcasts.

A mixin of `storage.store.Store`: each method opens one transaction, as the store's own do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.broadcasts import BroadcastInfo
from bot.domain.channels import ChannelInfo
from bot.domain.states import BroadcastState
from storage import broadcasts, channels, outbox
from storage.transactions import transactions_finish


@transactions_finish
class EditorsStore:
    """Channels the admins added; broadcasts that wait for their time."""

    _sessions: async_sessionmaker[AsyncSession]

    async def add_channel(
        self,
        chat_id: int,
        title: str,
        username: str | None,
        topics: Sequence[str],
        admin_id: int,
        now: datetime,
    ) -> ChannelInfo:
        """Add (or re-add) a channel, active, following exactly `topics` (keys, or "*")."""
        async with self._sessions.begin() as session:
            await channels.save(session, chat_id, title, username, topics, admin_id, now)
            await session.flush()
            [channel] = await channels.listing(session, [chat_id])
            return channel

    async def find_channel(self, target: str | int) -> ChannelInfo | None:
        """The listed channel `target` (@username or id) names; None if it is not listed."""
        async with self._sessions.begin() as session:
            chat_id = await channels.find(session, target)
            if chat_id is None:
                return None
            found = await channels.listing(session, [chat_id])
            return found[0] if found else None

    async def remove_channel(self, chat_id: int) -> ChannelInfo | None:
        """Stop posting to a channel and forget it; None if it was not listed."""
        async with self._sessions.begin() as session:
            found = await channels.listing(session, [chat_id])
            if not found:
                return None
            await outbox.kill_live(session, chat_id, "channel removed by an admin")
            await channels.remove(session, chat_id)
            return found[0]

    async def channels(self) -> list[ChannelInfo]:
        """Every channel the admins added, active or not, by name."""
        async with self._sessions.begin() as session:
            return await channels.listing(session)

    async def claim_lost_channels(self, now: datetime) -> list[ChannelInfo]:
        """Channels Telegram refused since the last call: each is returned once, ever."""
        async with self._sessions.begin() as session:
            ids = await channels.claim_lost(session, now)
            return await channels.listing(session, ids) if ids else []

    async def schedule_broadcast(self, broadcast_id: int) -> bool:
        """Confirm a draft that has a start time; False if it was not a draft (pressed twice)."""
        async with self._sessions.begin() as session:
            return await broadcasts.move(
                session, broadcast_id, BroadcastState.DRAFT, BroadcastState.SCHEDULED
            )

    async def unschedule_broadcast(self, broadcast_id: int) -> bool:
        """Cancel a scheduled broadcast; False if it had started or was cancelled already."""
        async with self._sessions.begin() as session:
            return await broadcasts.move(
                session, broadcast_id, BroadcastState.SCHEDULED, BroadcastState.CANCELLED
            )

    async def start_due_broadcasts(self, now: datetime) -> list[tuple[int, int]]:
        """Queue every scheduled broadcast whose time has come: (id, rows queued) each.

        The move scheduled -> sending and the queueing share one transaction, and the move
        only applies to a row still scheduled: however many processes look at once, and
        whatever restarts, each broadcast starts exactly once.
        """
        started = []
        async with self._sessions.begin() as session:
            for broadcast_id in await broadcasts.due(session, now):
                moved = await broadcasts.move(
                    session,
                    broadcast_id,
                    BroadcastState.SCHEDULED,
                    BroadcastState.SENDING,
                    started_at=now,
                )
                if moved:
                    topic = await broadcasts.topic(session, broadcast_id)
                    queued = await outbox.queue_broadcast(session, broadcast_id, topic, now)
                    started.append((broadcast_id, queued))
        return started

    async def scheduled_broadcasts(self) -> list[BroadcastInfo]:
        """Broadcasts waiting for their time, soonest first."""
        async with self._sessions.begin() as session:
            return await broadcasts.scheduled(session)

    async def recent_broadcasts(self, limit: int = 20) -> list[BroadcastInfo]:
        """The latest broadcasts, newest first."""
        async with self._sessions.begin() as session:
            return await broadcasts.recent(session, limit)
