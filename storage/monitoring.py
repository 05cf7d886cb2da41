"""Queries for health checks and metrics: cheap looks at the outbox and the broadcasts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.health import OutboxSummary
from bot.domain.states import LIVE_DELIVERY_STATES, BroadcastState
from storage.models import Broadcast, Delivery


async def outbox_summary(session: AsyncSession) -> OutboxSummary:
    """Rows still to send, when the oldest was queued, and the broadcasts by state.

    Both outbox looks go through the partial index of live rows (ix_deliveries_live): the
    oldest live row is the one with the lowest id, and the history is never read.
    """
    live = Delivery.status.in_(LIVE_DELIVERY_STATES)
    pending = await session.scalar(select(func.count()).select_from(Delivery).where(live))
    oldest = await session.scalar(
        select(Delivery.created_at).where(live).order_by(Delivery.id).limit(1)
    )
    rows = await session.execute(select(Broadcast.state, func.count()).group_by(Broadcast.state))
    broadcasts = {state: 0 for state in BroadcastState}
    broadcasts.update({BroadcastState(state): int(n) for state, n in rows})
    return OutboxSummary(int(pending or 0), oldest, broadcasts)
