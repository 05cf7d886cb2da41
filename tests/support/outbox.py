"""The outbox from a test's side: queue a broadcast, a Sender at work, leases, held-back sends."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.messaging.pacing import RATE_CLOCK, shared_limiter
from bot.messaging.sender import Sender
from bot.messaging.transport import sender_bot
from bot.settings import Settings
from storage.models import Delivery
from storage.store import Store

NOW = datetime(2026, 3, 1, tzinfo=UTC)


async def queue_broadcast(
    store: Store, chats: list[int], text: str = "Breaking: <b>news</b>"
) -> int:
    """Register the chats and queue one broadcast to all of them."""
    for chat_id in chats:
        await store.register_chat(chat_id, "private" if chat_id > 0 else "group", "", NOW)
    broadcast_id = await store.create_broadcast(text, None, 1, None, NOW)
    assert await store.start_broadcast(broadcast_id, NOW) == len(chats)
    return broadcast_id


@contextlib.asynccontextmanager
async def sending(store: Store, settings: Settings, **options: object) -> AsyncIterator[Sender]:
    """A Sender working in the background for the duration of the block."""
    limiter = shared_limiter(settings, store)
    bot = sender_bot(settings, 16, timeout=float(options.pop("timeout", 5.0)))  # type: ignore[arg-type]
    stop = asyncio.Event()
    async with bot:
        sender = Sender(store, bot, limiter, settings, retry_base=0.05, **options)  # type: ignore[arg-type]
        task = asyncio.create_task(sender.run(stop))
        try:
            yield sender
        finally:
            stop.set()
            await task
            await limiter.close()


async def held_by(store: Store, owner_like: str) -> int:
    """Rows leased to the owners whose name matches the SQL LIKE pattern."""
    async with store.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.status == "sending", Delivery.lease_owner.like(owner_like))
        )
    return int(count or 0)


async def hold_back_sends(store: Store, seconds: float) -> None:
    """Give out no send slot, to any process, for `seconds` from now."""
    now = time.time()
    await store.reserve_slots(RATE_CLOCK, 1, 0.001, now)
    await store.pause_sending(RATE_CLOCK, now + seconds)


async def all_recorded(store: Store, seconds: float = 10.0) -> None:
    """Wait until the sender has recorded the outcome of every row it took.

    Call it before moving the clock by hours: a jump expires every lease, and a row sent but
    not yet recorded would go out again (as after a crash).
    """
    async with asyncio.timeout(seconds):
        while await store.pending_count():
            await asyncio.sleep(0.05)
