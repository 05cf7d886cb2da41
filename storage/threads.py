"""Forum topics in the outbox: the rows of one forum topic, and one topic per holding chat."""

from __future__ import annotations

from sqlalchemy import CTE, ColumnElement, Subquery, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.states import LIVE_DELIVERY_STATES, DeliveryState
from storage.models import Delivery


async def kill_live(session: AsyncSession, chat_id: int, thread: int, reason: str) -> None:
    """Turn every row still to be sent to one forum topic of the chat dead."""
    await session.execute(
        update(Delivery)
        .where(
            Delivery.chat_id == chat_id,
            Delivery.thread_id == thread,
            Delivery.status.in_(LIVE_DELIVERY_STATES),
        )
        .values(status=DeliveryState.DEAD, error=reason, lease_owner=None, lease_until=None)
    )


def first_of_chat(found: Subquery | CTE) -> ColumnElement[bool]:
    """True for each chat's lowest forum topic among `found`'s rows: a chat that holds its notes
    (a digest, quiet hours) holds each post once, whatever topics it follows it in.

    An uncorrelated IN: the lowest topics are worked out once, not once per row.
    """
    other = found.alias()
    lowest = select(other.c.chat_id, func.min(other.c.thread_id)).group_by(other.c.chat_id)
    return tuple_(found.c.chat_id, found.c.thread_id).in_(lowest)
