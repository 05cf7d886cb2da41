"""The sending side's use cases: claiming the outbox's rows under a lease, recording what
happened, the outbox at a glance, and the send schedule every process shares.

A part of storage.store.Store (one transaction per use case, domain types out), kept apart so
the store stays small.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.delivery_log import DeliveryQuery, DeliveryRecord
from bot.domain.health import OutboxSummary
from bot.domain.outbox import DeliveryJob, Outcome
from storage import claims, history, leases, monitoring, outbox, schedule
from storage.transactions import transactions_finish


@transactions_finish
class SendingStore:
    """The outbox's claims, outcomes and leases; its summary and history; the shared rate."""

    _sessions: async_sessionmaker[AsyncSession]

    # -- the outbox -------------------------------------------------------------------------

    async def claim_deliveries(
        self,
        owner: str,
        limit: int,
        now: datetime,
        lease: timedelta,
        *,
        broadcast_id: int | None = None,
    ) -> list[DeliveryJob]:
        """Lease up to `limit` due rows to `owner`; expired leases of dead senders count as due."""
        async with self._sessions.begin() as session:
            return await claims.claim(session, owner, limit, now, lease, broadcast_id)

    async def record_outcomes(self, outcomes: Sequence[Outcome], now: datetime, owner: str) -> None:
        """Write what happened to each sent row, in one transaction (see claims.record_outcomes)."""
        if not outcomes:
            return
        async with self._sessions.begin() as session:
            await claims.record_outcomes(session, outcomes, now, owner)

    async def extend_leases(self, owner: str, ids: Sequence[int], until: datetime) -> list[int]:
        """Keep the given rows this sender still holds; returns those it still holds.

        A row another sender took over once its lease ran out is not extended (nor
        returned): the caller must not send it.
        """
        async with self._sessions.begin() as session:
            return await leases.extend_leases(session, claims.LEASED, owner, ids, until)

    async def release_leases(self, owner: str) -> int:
        """Give back claimed rows that were never sent (a clean shutdown)."""
        async with self._sessions.begin() as session:
            return await leases.release_leases(session, claims.LEASED, owner)

    async def sent_times(self, chat_id: int, since: datetime) -> list[datetime]:
        """When outbox messages went to a chat since a moment, oldest first (group limit)."""
        async with self._sessions.begin() as session:
            return await outbox.sent_times(session, chat_id, since)

    async def pending_count(self) -> int:
        """Rows not yet sent, failed or dead."""
        async with self._sessions.begin() as session:
            return await outbox.pending_count(session)

    async def outbox_summary(self) -> OutboxSummary:
        """Rows to send, the oldest one's age, broadcasts by state (health checks, metrics)."""
        async with self._sessions.begin() as session:
            return await monitoring.outbox_summary(session)

    async def deliveries(self, query: DeliveryQuery) -> list[DeliveryRecord]:
        """What was sent or failed, newest first (`newsbot deliveries`)."""
        async with self._sessions.begin() as session:
            return await history.deliveries(session, query)

    # -- the shared send schedule -----------------------------------------------------------

    async def reserve_slots(self, name: str, count: int, interval: float, now: float) -> float:
        """Reserve `count` send slots `interval` seconds apart; returns the first slot's time.

        The schedule lives in the database, so every process sending for the bot shares
        one rate limit.
        """
        while True:
            async with self._sessions.begin() as session:
                first = await schedule.reserve_slots(session, name, count, interval, now)
            if first is not None:
                return first

    async def pause_sending(self, name: str, until: float) -> None:
        """Telegram said 429: no process sends again before `until` (epoch seconds)."""
        async with self._sessions.begin() as session:
            await schedule.pause_sending(session, name, until)
