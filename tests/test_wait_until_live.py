"""WAIT_UNTIL_LIVE: a due post is announced once its page answers 200, a local site tells.

The site is an HTTP server on 127.0.0.1 (tests/support/site.py); the wait is in the database,
so it survives a restart; LIVE_TIMEOUT is passed by moving the bot's clock.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.live import LiveVerdict, verdict
from bot.scanning.live import live_client, page_status
from storage.store import Store
from tests.support.bots import BotFactory, RunningBot
from tests.support.clock import ShiftedClock
from tests.support.conversation import ALICE, first_scan_done, say, titles
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED, write_post
from tests.support.site import FakeSite

LIVE = {"WAIT_UNTIL_LIVE": "true", "LIVE_CHECK_SECONDS": "0.2"}
WHEN = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)


def page(slug: str) -> str:
    """The path of a post of the News category dated WHEN (Jekyll's default permalink)."""
    return f"/news/2026/01/02/{slug}.html"


@pytest.fixture
async def site() -> AsyncIterator[FakeSite]:
    async with FakeSite() as server:
        yield server


async def start(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram, site: FakeSite
) -> RunningBot:
    shutil.copy(SEED, content / SEED.name)
    bot = await newsbot(SITE_URL=site.url, **LIVE)
    await first_scan_done(store)
    await say(fake, "/subscribe news", ALICE)
    return bot


async def checked(site: FakeSite, path: str, times: int) -> None:
    async with asyncio.timeout(10):
        while len(site.asked(path)) < times:
            await asyncio.sleep(0.05)


async def test_a_post_waits_for_its_page_and_holds_back_no_other(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram, site: FakeSite
) -> None:
    await start(newsbot, content, store, fake, site)
    site.live.add(page("quick"))
    write_post(content, "2026-01-02-slow.md", "Slow", date=WHEN)
    write_post(content, "2026-01-02-quick.md", "Quick", date=WHEN)
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Quick"], 10)

    await checked(site, page("slow"), 5)  # asked again and again: 404 so far
    assert titles(fake, ALICE) == ["Quick"]
    [wait] = await store.live_waits()
    assert wait.path == "2026-01-02-slow.md"

    site.live.add(page("slow"))
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Quick", "Slow"], 10)
    await asyncio.sleep(0.6)
    assert titles(fake, ALICE) == ["Quick", "Slow"]
    assert await store.live_waits() == []
    assert set(site.asked(page("slow"))) == {"HEAD"}


async def test_a_site_that_refuses_head_is_asked_with_get(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram, site: FakeSite
) -> None:
    await start(newsbot, content, store, fake, site)
    site.head_allowed = False
    write_post(content, "2026-01-02-got.md", "Got", date=WHEN)
    await checked(site, page("got"), 4)
    assert titles(fake, ALICE) == []
    site.live.add(page("got"))
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Got"], 10)
    assert site.asked(page("got"))[:2] == ["HEAD", "GET"]


async def test_after_live_timeout_a_post_is_announced_anyway_with_a_warning(
    newsbot: BotFactory,
    content: Path,
    store: Store,
    fake: FakeTelegram,
    site: FakeSite,
    clock: ShiftedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await start(newsbot, content, store, fake, site)
    write_post(content, "2026-01-02-never.md", "Never", date=WHEN)
    await checked(site, page("never"), 3)
    clock.advance(timedelta(minutes=14))
    await checked(site, page("never"), 6)
    assert titles(fake, ALICE) == []

    clock.advance(timedelta(minutes=1, seconds=1))  # LIVE_TIMEOUT: 15 minutes by default
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Never"], 10)
    [warning] = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name == "bot.messaging.live_job"
    ]
    assert "2026-01-02-never.md" in warning and "answers 404 after LIVE_TIMEOUT" in warning


async def test_a_restart_neither_loses_nor_restarts_the_wait(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram, site: FakeSite
) -> None:
    first = await start(newsbot, content, store, fake, site)
    write_post(content, "2026-01-02-later.md", "Later", date=WHEN)
    await checked(site, page("later"), 2)
    [before] = await store.live_waits()
    await first.shutdown()

    asked = len(site.asked(page("later")))
    await newsbot(SITE_URL=site.url, **LIVE)  # takes over the same database
    await checked(site, page("later"), asked + 3)
    assert await store.live_waits() == [before]  # the same post, waiting since the same time
    assert titles(fake, ALICE) == []

    site.live.add(page("later"))
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Later"], 10)
    await asyncio.sleep(0.6)
    assert titles(fake, ALICE) == ["Later"]


def test_the_verdict() -> None:
    since = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    soon, late = since + timedelta(minutes=1), since + timedelta(minutes=15)
    assert verdict(200, since, soon, 900) is LiveVerdict.LIVE
    assert verdict(404, since, soon, 900) is LiveVerdict.WAIT
    assert verdict(None, since, soon, 900) is LiveVerdict.WAIT
    assert verdict(404, since, late, 900) is LiveVerdict.GAVE_UP
    assert verdict(200, since, late, 900) is LiveVerdict.LIVE


async def test_only_http_pages_are_asked(site: FakeSite, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("local file")
    site.live.add("/ok")
    async with live_client() as client:
        assert await page_status(client, f"file://{secret}") is None
        assert await page_status(client, f"{site.url}/ok") == 200
        assert await page_status(client, f"{site.url}/missing") == 404
        assert await page_status(client, "http://127.0.0.1:1/closed") is None
