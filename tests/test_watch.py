"""A new post is scanned when its file appears, not at the next SCAN_INTERVAL."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from pathlib import Path

import pytest

from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import ALICE, eventually, first_scan_done, say, titles
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED, write_post


async def test_a_new_post_file_is_announced_within_seconds_despite_a_long_scan_interval(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    shutil.copy(SEED, content / SEED.name)
    await newsbot(SCAN_INTERVAL="300")
    await first_scan_done(store)
    assert "Subscribed" in await say(fake, "/subscribe news", ALICE)
    write_post(content, "2026-01-01-fresh.md", "Fresh from the editor")

    async def announced() -> bool:
        return titles(fake, ALICE) == ["Fresh from the editor"]

    await eventually(announced, 5)


async def test_many_files_at_once_are_one_scan(
    newsbot: BotFactory,
    content: Path,
    store: Store,
    fake: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.messaging.jobs")
    shutil.copy(SEED, content / SEED.name)
    await newsbot(SCAN_INTERVAL="300")
    await first_scan_done(store)
    assert "Subscribed" in await say(fake, "/subscribe news", ALICE)
    before = len(scans_that_read(caplog))
    for n in range(50):  # a `git pull` bringing fifty posts
        write_post(content, f"2026-01-01-pulled-{n:02}.md", f"Pulled {n:02}")

    async def all_read() -> bool:
        return sum(scans_that_read(caplog)[before:]) == 50

    await eventually(all_read, 10)
    reads = scans_that_read(caplog)[before:]
    assert len(reads) <= 3, reads  # a scan or two, not one per file

    async def all_announced() -> bool:
        return len(titles(fake, ALICE)) == 50

    await eventually(all_announced, 10)


async def test_with_watch_off_a_new_post_waits_for_the_periodic_scan(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    shutil.copy(SEED, content / SEED.name)
    await newsbot(SCAN_INTERVAL="300", WATCH="false")
    await first_scan_done(store)
    assert "Subscribed" in await say(fake, "/subscribe news", ALICE)
    write_post(content, "2026-01-01-fresh.md", "Fresh from the editor")
    await asyncio.sleep(2)
    assert titles(fake, ALICE) == []



def scans_that_read(caplog: pytest.LogCaptureFixture) -> list[int]:
    """Files read by each scan so far that read any, from the scan job's debug line."""
    found = (
        re.fullmatch(r"scan: (\d+) files read, \d+ announced", r.getMessage())
        for r in caplog.records
        if r.name == "bot.messaging.jobs"
    )
    return [int(match[1]) for match in found if match and int(match[1])]
