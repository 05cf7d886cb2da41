"""Queries on admins' broadcasts; each takes the caller's session (their deliveries: outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.broadcasts import BroadcastInfo, Progress
from bot.domain.states import BroadcastState, DeliveryState
from storage import outbox
from storage.models import Broadcast


async def create(
    session: AsyncSession,
    html: str,
    topic: str | None,
    admin_id: int,
    preview_chat_id: int | None,
    now: datetime,
    photo: str | None = None,
    send_at: datetime | None = None,
) -> int:
    """Save a draft; returns its id."""
    row = Broadcast(
        html=html,
        topic=topic,
        admin_id=admin_id,
        preview_chat_id=preview_chat_id,
        state=BroadcastState.DRAFT,
        created_at=now,
        photo=photo,
        send_at=send_at,
    )
    session.add(row)
    await session.flush()
    return row.id


async def set_preview(session: AsyncSession, broadcast_id: int, message_id: int) -> None:
    await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id).values(preview_message_id=message_id)
    )


async def move(
    session: AsyncSession,
    broadcast_id: int,
    source: BroadcastState,
    target: BroadcastState,
    **values: datetime,
) -> bool:
    """Take the broadcast from state `source` to `target`; False if it was not in `source`."""
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.state == source)
        .values(state=target, **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def topic(session: AsyncSession, broadcast_id: int) -> str | None:
    """The topic the broadcast goes to; None for every active chat."""
    return await session.scalar(select(Broadcast.topic).where(Broadcast.id == broadcast_id))


async def get(session: AsyncSession, broadcast_id: int) -> BroadcastInfo | None:
    row = await session.get(Broadcast, broadcast_id)
    return None if row is None else _info(row)


async def in_state(session: AsyncSession, state: BroadcastState) -> list[BroadcastInfo]:
    rows = await session.scalars(select(Broadcast).where(Broadcast.state == state))
    return [_info(row) for row in rows]


async def due(session: AsyncSession, now: datetime) -> list[int]:
    """Scheduled broadcasts whose time has come, oldest first."""
    rows = await session.scalars(
        select(Broadcast.id)
        .where(Broadcast.state == BroadcastState.SCHEDULED, Broadcast.send_at <= now)
        .order_by(Broadcast.send_at, Broadcast.id)
    )
    return list(rows)


async def scheduled(session: AsyncSession) -> list[BroadcastInfo]:
    """Broadcasts waiting for their time, soonest first."""
    rows = await session.scalars(
        select(Broadcast)
        .where(Broadcast.state == BroadcastState.SCHEDULED)
        .order_by(Broadcast.send_at, Broadcast.id)
    )
    return [_info(row) for row in rows]


async def recent(session: AsyncSession, limit: int) -> list[BroadcastInfo]:
    """The latest broadcasts, newest first."""
    rows = await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit))
    return [_info(row) for row in rows]


async def progress(session: AsyncSession, broadcast_id: int) -> Progress:
    """How far the broadcast's deliveries have got."""
    counts = await outbox.counts_for_broadcast(session, broadcast_id)
    return Progress(
        sent=counts.get(DeliveryState.SENT, 0),
        blocked=counts.get(DeliveryState.DEAD, 0),
        failed=counts.get(DeliveryState.FAILED, 0),
        remaining=counts.get(DeliveryState.PENDING, 0) + counts.get(DeliveryState.SENDING, 0),
    )


def _info(row: Broadcast) -> BroadcastInfo:
    return BroadcastInfo(
        id=row.id,
        html=row.html,
        topic=row.topic,
        state=BroadcastState(row.state),
        admin_id=row.admin_id,
        preview_chat_id=row.preview_chat_id,
        preview_message_id=row.preview_message_id,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        photo=row.photo,
        send_at=row.send_at,
    )
