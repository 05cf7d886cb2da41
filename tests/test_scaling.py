"""Several processes on PostgreSQL: one poller at a time, workers that die, one rate limit."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.messaging.transport import concurrency_for
from storage.store import Store
from tests.support.conversation import first_scan_done, say
from tests.support.databases import reset_postgres
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED, write_post
from tests.support.processes import Process, child_environment, wait_for_log
from tests.support.settings import environment_for

pytestmark = pytest.mark.slow

CHATS = list(range(20_001, 20_301))
RATE = 60

Spawn = Callable[[str], Awaitable[Process]]


@pytest.fixture
async def database_url(postgres_url: str) -> str:
    """Several processes need PostgreSQL: these tests run on it alone."""
    await reset_postgres(postgres_url)
    return postgres_url


@pytest.fixture
async def spawn(
    fake: FakeTelegram, database_url: str, content: Path, tmp_path: Path
) -> AsyncIterator[Spawn]:
    """Start `newsbot run` or `newsbot worker` processes sharing one database."""
    env = child_environment(
        **environment_for(
            fake,
            database_url,
            content,
            SCAN_INTERVAL="0.3",
            SEND_RATE=str(RATE),
            PAID_BROADCAST="true",  # SEND_RATE above 30 without a warning
            LEASE_SECONDS="2",
        )
    )
    children: list[Process] = []

    async def start(command: str) -> Process:
        child = Process(env, tmp_path, command)
        await child.start()
        children.append(child)
        return child

    yield start
    for child in children:
        if child.child is not None:
            await child.signal(signal.SIGKILL)


def received(fake: FakeTelegram, title: str) -> Counter[int]:
    return Counter(int(m.chat_id) for m in fake.sent if (m.text or "").startswith(f"<b>{title}"))


async def test_one_poller_at_a_time_and_the_standby_takes_over(
    spawn: Spawn, store: Store, content: Path, fake: FakeTelegram
) -> None:
    shutil.copy(SEED, content / SEED.name)
    first = await spawn("run")
    await wait_for_log(first, "polling Telegram")
    second = await spawn("run")
    await wait_for_log(second, "stands by")
    await first_scan_done(store)
    assert "subscribe" in await say(fake, "/start", 1)

    await first.signal(signal.SIGKILL)
    await wait_for_log(second, "polling Telegram")
    assert "Subscribed" in await say(fake, "/subscribe news", 1)
    write_post(content, "2026-03-01-after-failover.md", "After failover")
    await fake.wait_for(lambda: received(fake, "After failover") == Counter({1: 1}), 10)
    # The fake fixture fails the test if two getUpdates were ever in flight (409).


async def test_killing_a_worker_midway_loses_nothing_and_the_rate_holds_overall(
    spawn: Spawn, store: Store, content: Path, fake: FakeTelegram
) -> None:
    shutil.copy(SEED, content / SEED.name)
    await spawn("run")
    await first_scan_done(store)
    workers = [await spawn("worker"), await spawn("worker")]
    now = datetime.now(UTC)
    for chat in CHATS:
        await store.subscribe(chat, "private", "", "news", now)
    write_post(content, "2026-03-02-scaled.md", "Scaled")

    await fake.wait_for(lambda: sum(received(fake, "Scaled").values()) >= 80, 20)
    await workers[0].signal(signal.SIGKILL)
    await fake.wait_for(lambda: set(received(fake, "Scaled")) == set(CHATS), 40)
    await asyncio.sleep(1.0)

    counts = received(fake, "Scaled")
    assert [chat for chat in CHATS if not counts[chat]] == []
    assert sum(n - 1 for n in counts.values()) <= concurrency_for(RATE)
    # Three processes sent, one limit: no second of the fake's clock saw more than RATE.
    assert fake.max_sends_in_window(1.0) <= RATE
    assert fake.rejected_429 == 0
    assert await store.pending_count() == 0


async def test_a_worker_on_sqlite_is_refused_with_a_reason(tmp_path: Path) -> None:
    env = child_environment(
        TELEGRAM_BOT_TOKEN="1:x", DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    )
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "worker",
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await child.communicate()
    assert child.returncode == 2
    assert "newsbot worker needs PostgreSQL" in stderr.decode()
