"""Queries on the shared send schedule (rate_clock); each takes the caller's session."""

from __future__ import annotations

from sqlalchemy import case, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RateClock


async def reserve_slots(
    session: AsyncSession, name: str, count: int, interval: float, now: float
) -> float | None:
    """Reserve `count` slots `interval` seconds apart; the first slot's time.

    None when another process created the schedule `name` meanwhile: try again in a new
    transaction, which sees its row.
    """
    later = case((RateClock.next_free > now, RateClock.next_free), else_=now)
    end = await session.scalar(
        update(RateClock)
        .where(RateClock.name == name)
        .values(next_free=later + count * interval)
        .returning(RateClock.next_free)
    )
    if end is None:
        end = now + count * interval
        try:
            async with session.begin_nested():
                session.add(RateClock(name=name, next_free=end))
        except IntegrityError:
            return None
    return float(end) - count * interval


async def pause_sending(session: AsyncSession, name: str, until: float) -> None:
    """No slot of schedule `name` before `until` (epoch seconds)."""
    later = case((RateClock.next_free > until, RateClock.next_free), else_=until)
    await session.execute(update(RateClock).where(RateClock.name == name).values(next_free=later))
