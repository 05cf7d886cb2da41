"""A real `newsbot run` to kill, with 300 readers of the seed site's topic (the crash tests)."""

from __future__ import annotations

import shutil
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.store import Store
from tests.support.conversation import eventually
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED
from tests.support.processes import Process, child_environment
from tests.support.settings import environment_for

CHATS = list(range(10_001, 10_301))  # 300 subscribers
RATE = 100


@pytest.fixture(name="process")
async def killable_process(
    fake: FakeTelegram, database_url: str, content: Path, tmp_path: Path
) -> AsyncIterator[Process]:
    """A `newsbot run` child (not yet started) that scans often and leases briefly."""
    env = child_environment(
        **environment_for(
            fake, database_url, content, SCAN_INTERVAL="0.3", SEND_RATE=str(RATE), LEASE_SECONDS="2"
        )
    )
    proc = Process(env, tmp_path)
    yield proc
    if proc.child is not None:
        await proc.signal(signal.SIGKILL)


async def started_with_readers(store: Store, process: Process, content: Path) -> None:
    """Start the bot on the seed site and subscribe every chat of CHATS to its topic."""
    shutil.copy(SEED, content / SEED.name)
    await process.start()

    async def seed_recorded() -> bool:  # first_scan_done, with room for a slow start
        return bool(await store.topics())

    await eventually(seed_recorded, 30)
    now = datetime.now(UTC)
    for chat in CHATS:
        await store.subscribe(chat, "private", "", "news", now)
