"""Crash safety: SIGKILL and SIGTERM a real `newsbot run` in the middle of a delivery."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.messaging.transport import concurrency_for
from storage.store import Store
from tests.support.crashes import (
    CHATS,
    RATE,
    killable_process,  # noqa: F401 - the `process` fixture
    started_with_readers,
)
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED, write_post
from tests.support.processes import Process, child_environment
from tests.support.settings import environment_for

pytestmark = pytest.mark.slow


async def announce_to_all(store: Store, process: Process, content: Path) -> None:
    """Start the bot on a site with history, subscribe every chat, publish a post."""
    await started_with_readers(store, process, content)
    write_post(content, "2026-02-01-breaking.md", "Breaking")


def received(fake: FakeTelegram) -> Counter[int]:
    return Counter(int(m.chat_id) for m in fake.sent if (m.text or "").startswith("<b>Breaking"))


async def test_sigkill_midway_then_restart_loses_nothing(
    store: Store, process: Process, content: Path, fake: FakeTelegram
) -> None:
    await announce_to_all(store, process, content)
    await fake.wait_for(lambda: sum(received(fake).values()) >= 100, 20)
    assert await process.signal(signal.SIGKILL) == -signal.SIGKILL
    at_kill = sum(received(fake).values())
    assert at_kill < len(CHATS), "the kill came too late to test anything"

    await process.start()
    await fake.wait_for(lambda: set(received(fake)) == set(CHATS), 30)
    await asyncio.sleep(1.0)
    counts = received(fake)
    missing = [chat for chat in CHATS if counts[chat] == 0]
    duplicates = sum(n - 1 for n in counts.values())
    assert missing == []
    # Only sends in flight at the kill (sent, not yet recorded) can go twice.
    assert duplicates <= concurrency_for(RATE), (duplicates, process.output()[-3000:])
    assert await store.pending_count() == 0


async def test_sigterm_drains_and_a_restart_sends_no_duplicate(
    store: Store, process: Process, content: Path, fake: FakeTelegram
) -> None:
    await announce_to_all(store, process, content)
    await fake.wait_for(lambda: sum(received(fake).values()) >= 100, 20)
    assert await process.signal(signal.SIGTERM) == 0, process.output()[-3000:]
    assert sum(received(fake).values()) < len(CHATS)

    await process.start()
    await fake.wait_for(lambda: set(received(fake)) == set(CHATS), 30)
    await asyncio.sleep(1.0)
    assert received(fake) == Counter({chat: 1 for chat in CHATS})
    assert "Traceback" not in process.output()


async def test_after_sigkill_a_restart_answers_without_waiting_out_the_lease(
    fake: FakeTelegram, database_url: str, store: Store, content: Path, tmp_path: Path
) -> None:
    # The default lease: a poller role that outlived its process would keep users waiting 30 s.
    # A restart answers as soon as it has started (2-4 s on an idle machine, printed below);
    # the bound leaves room for a busy machine's slow start while still telling the two apart.
    env = child_environment(**environment_for(fake, database_url, content, LEASE_SECONDS="30"))
    bot = Process(env, tmp_path)
    shutil.copy(SEED, content / SEED.name)
    try:
        await bot.start()
        await fake.wait_for(lambda: fake.polling, 20)
        assert await bot.signal(signal.SIGKILL) == -signal.SIGKILL

        fake.command("/start", chat_id=CHATS[0])
        restarted = time.monotonic()
        await bot.start()
        await fake.wait_for(lambda: fake.messages_to(CHATS[0]), 25)
        seconds = time.monotonic() - restarted
        assert seconds < 15.0, (seconds, bot.output()[-3000:])
        assert "subscribe" in (fake.messages_to(CHATS[0])[0].text or "")
        print(f"restart to reply: {seconds:.2f} s")  # noqa: T201
    finally:
        if bot.child is not None and bot.child.returncode is None:
            await bot.signal(signal.SIGKILL)
    # The fake fixture fails the test on any 409 Conflict.


async def test_without_a_token_run_exits_with_one_clear_line(tmp_path: Path) -> None:
    env = child_environment()
    env.pop("TELEGRAM_BOT_TOKEN", None)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, stderr = await child.communicate()
    assert child.returncode == 2
    assert stderr.decode().strip().splitlines() == [
        "newsbot: error: TELEGRAM_BOT_TOKEN is not set: put the token from @BotFather in the "
        "environment or in a .env file"
    ]
