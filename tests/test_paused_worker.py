"""A real `newsbot worker` stopped (SIGSTOP) past its lease sends nothing others took over."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.store import Store
from tests.child import Process
from tests.conftest import child_environment, environment_for, reset_postgres
from tests.fake_telegram import FakeTelegram
from tests.test_delivery import queue_broadcast
from tests.test_leases import held_by, hold_back_sends

pytestmark = pytest.mark.slow

CHATS = list(range(30_001, 30_121))
RATE = 100


@pytest.fixture
async def database_url(postgres_url: str) -> str:
    """Several processes need PostgreSQL: this test runs on it alone."""
    await reset_postgres(postgres_url)
    return postgres_url


@pytest.fixture
async def workers(
    fake: FakeTelegram, database_url: str, content: Path, tmp_path: Path
) -> AsyncIterator[list[Process]]:
    env = child_environment(
        **environment_for(
            fake,
            database_url,
            content,
            SEND_RATE=str(RATE),
            PAID_BROADCAST="true",  # SEND_RATE above 30 without a warning
            LEASE_SECONDS="2",
        )
    )
    children = [Process(env, tmp_path, "worker"), Process(env, tmp_path, "worker")]
    yield children
    for child in children:
        if child.child is not None:
            child.child.send_signal(signal.SIGCONT)
            await child.signal(signal.SIGKILL)


async def wait_for_log(process: Process, text: str, seconds: float = 15.0) -> None:
    async with asyncio.timeout(seconds):
        while text not in process.output():
            await asyncio.sleep(0.05)


def received(fake: FakeTelegram) -> Counter[int]:
    return Counter(int(m.chat_id) for m in fake.sent)


async def test_a_worker_paused_past_its_lease_sends_nothing_it_no_longer_holds(
    store: Store, fake: FakeTelegram, workers: list[Process]
) -> None:
    paused, other = workers
    await paused.start()
    await wait_for_log(paused, "sending")
    assert paused.child is not None
    # The rows come while nothing may be sent: the worker claims a batch and its senders
    # wait for their slots with it, with nothing in flight yet.
    await hold_back_sends(store, 3.0)
    broadcast_id = await queue_broadcast(store, CHATS)
    async with asyncio.timeout(10):
        while await held_by(store, f"%:{paused.child.pid}:%") == 0:
            await asyncio.sleep(0.02)
    paused.child.send_signal(signal.SIGSTOP)
    try:
        await other.start()
        # If the stop caught it inside a transaction, PostgreSQL ends that session after
        # IDLE_IN_TRANSACTION_MS, and with it the locks on the rows it was claiming.
        await fake.wait_for(lambda: set(received(fake)) == set(CHATS), 30)
        async with asyncio.timeout(10):
            while (await store.broadcast_progress(broadcast_id)).remaining:
                await asyncio.sleep(0.05)
    finally:
        paused.child.send_signal(signal.SIGCONT)

    # Awake again, with claimed rows waiting for a slot and more queued: none is sent.
    async with asyncio.timeout(10):
        while "expired before its send" not in paused.output():
            if sum(received(fake).values()) > len(CHATS):
                break  # it sent what it no longer held
            await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)
    assert received(fake) == Counter({chat: 1 for chat in CHATS}), paused.output()[-3000:]
    assert await paused.signal(signal.SIGTERM) == 0
    assert await other.signal(signal.SIGTERM) == 0
    assert "Traceback" not in other.output()
