"""Held notes from a test's side: how many wait for a chat, and the summaries queued."""

from __future__ import annotations

from sqlalchemy import exists, func, select

from storage.models import Delivery, HeldItem
from storage.store import Store


async def waiting(store: Store, chat_id: int) -> int:
    """Posts held for the chat and not yet in a summary."""
    async with store.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count())
            .select_from(HeldItem)
            .where(
                HeldItem.chat_id == chat_id,
                ~exists().where(
                    Delivery.chat_id == HeldItem.chat_id, Delivery.period == HeldItem.period
                ),
            )
        )
    return int(count or 0)


async def summaries(store: Store) -> list[tuple[int, str]]:
    """The summary deliveries queued so far: (chat, kind), in the order written."""
    async with store.engine.connect() as conn:
        rows = await conn.execute(
            select(Delivery.chat_id, Delivery.summary)
            .where(Delivery.summary.is_not(None))
            .order_by(Delivery.id)
        )
        return [(chat_id, str(kind)) for chat_id, kind in rows]
