"""A real `newsbot worker` stopped (SIGSTOP) past its lease sends nothing others took over."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.messaging.transport import concurrency_for
from storage.store import Store
from tests.support.databases import reset_postgres
from tests.support.fake_telegram import FakeTelegram
from tests.support.outbox import held_by, hold_back_sends, queue_broadcast
from tests.support.processes import Process, child_environment, wait_for_log
from tests.support.settings import environment_for

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


async def stop_outside_transactions(store: Store, process: Process) -> None:
    """SIGSTOP the process, at a moment when it has no transaction open.

    A process stopped inside a transaction keeps its row locks until it goes on: the other
    sender would skip those rows meanwhile, which is not what this test is about.
    """
    assert process.child is not None
    for _ in range(50):
        process.child.send_signal(signal.SIGSTOP)
        await asyncio.sleep(0.05)
        async with store.engine.connect() as conn:
            busy = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state <> 'idle'"
                )
            )
        if not busy:
            return
        process.child.send_signal(signal.SIGCONT)
        await asyncio.sleep(0.1)
    raise AssertionError("the worker was always inside a transaction")


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
        # Two batches: one waiting for slots, one queued; then it claims no more.
        while await held_by(store, f"%:{paused.child.pid}:%") < 2 * concurrency_for(RATE):
            await asyncio.sleep(0.02)
    await stop_outside_transactions(store, paused)
    try:
        await other.start()
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
