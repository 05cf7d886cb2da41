"""A sender sends only rows it still holds: the lease is checked right before each send."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.messaging.pacing import RATE_CLOCK
from bot.settings import Settings
from storage.models import Delivery
from storage.store import Store
from tests.conftest import settings_for
from tests.fake_telegram import FakeTelegram
from tests.test_delivery import queue_broadcast, sending

CHATS = list(range(1, 21))


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


@pytest.fixture
def settings(fake: FakeTelegram, database_url: str, content: Path) -> Settings:
    return settings_for(fake, database_url, content, SEND_RATE="100", LEASE_SECONDS="1")


async def test_rows_taken_over_while_waiting_for_a_slot_are_skipped_not_sent_nor_recorded(
    store: Store, settings: Settings, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    await queue_broadcast(store, CHATS)
    await hold_back_sends(store, 1.5)
    async with sending(store, settings) as sender:
        async with asyncio.timeout(5):
            while await held_by(store, sender.owner) < len(CHATS):
                await asyncio.sleep(0.02)
        # Another sender takes every row over, as it would once this one's lease ran out
        # (the process paused, say); this one's workers are all waiting for a send slot.
        later = datetime.now(UTC) + timedelta(hours=1)
        taken = await store.claim_deliveries("other", 100, later, timedelta(hours=1))
        assert len(taken) == len(CHATS)

        def skipped() -> int:
            return sum("expired before its send" in r.getMessage() for r in caplog.records)

        async with asyncio.timeout(10):
            while skipped() < len(CHATS):
                await asyncio.sleep(0.05)
    assert fake.sent == []
    # Nothing recorded either: every row is still the other sender's to send.
    assert await held_by(store, "other") == len(CHATS)


async def test_rows_still_held_after_a_slow_wait_are_sent_once(
    store: Store, settings: Settings, fake: FakeTelegram
) -> None:
    """Waiting longer than the lease is fine while the heartbeat keeps the rows ours."""
    broadcast_id = await queue_broadcast(store, CHATS)
    await hold_back_sends(store, 2.5)  # more than twice LEASE_SECONDS
    async with sending(store, settings):
        async with asyncio.timeout(10):
            while (await store.broadcast_progress(broadcast_id)).remaining:
                await asyncio.sleep(0.05)
    assert Counter(m.chat_id for m in fake.sent) == Counter(CHATS)
