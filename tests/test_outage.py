"""Outages at the edges: the database goes away and comes back; another bot polls our token."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import make_url

from bot import runner
from bot.domain.outages import Throttled
from storage.schema import upgrade
from storage.store import Store
from tests.support.bots import BotFactory, RunningBot
from tests.support.conversation import first_scan_done, say, titles
from tests.support.databases import reset_postgres
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED, write_post
from tests.support.proxy import TcpProxy
from tests.support.settings import settings_for

ALICE, BOB = 3001, 3002


@pytest.fixture
async def proxy(postgres_url: str) -> AsyncIterator[TcpProxy]:
    """A cuttable TCP path to the PostgreSQL server."""
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest.mark.postgres
async def test_the_bot_resumes_by_itself_after_postgres_was_unreachable(
    fake: FakeTelegram,
    content: Path,
    postgres_url: str,
    proxy: TcpProxy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await reset_postgres(postgres_url)
    store = Store.open(postgres_url)  # the test's own view, not through the proxy
    await upgrade(store.engine)
    proxied = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port)
    bot = RunningBot(settings_for(fake, proxied.render_as_string(hide_password=False), content))
    shutil.copy(SEED, content / SEED.name)
    try:
        await bot.start()
        await first_scan_done(store)
        await store.subscribe(ALICE, "private", "", "news", datetime.now(UTC))
        await fake.wait_for(lambda: fake.polling, 10)

        before = len(caplog.records)
        await proxy.cut()
        await asyncio.sleep(5)  # several rounds of every retry loop
        await proxy.restore()

        write_post(content, "2026-04-01-after-the-outage.md", "After the outage")
        await fake.wait_for(lambda: "After the outage" in titles(fake, ALICE), 20)
        assert "subscribe" in await say(fake, "/start", BOB)
    finally:
        await bot.shutdown()
        await store.close()

    during = caplog.records[before:]
    noisy = [r for r in during if r.levelno >= logging.WARNING]
    # One line per loop that noticed (poller, scan, sender, rate limiter), not one per retry.
    assert len(noisy) <= 5, "\n".join(f"{r.name}: {r.getMessage()}" for r in noisy)
    assert [r.getMessage() for r in during if r.exc_info] == []
    messages = [r.getMessage() for r in during]
    assert any(m.startswith("database unreachable: polling") for m in messages), messages
    assert "database back: polling and scanning again" in messages


async def test_another_bot_on_the_token_gets_one_warning_and_polling_resumes(
    newsbot: BotFactory, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    await newsbot()
    before = len(caplog.records)
    fake.foreign_poller = True
    await fake.wait_for(lambda: len(fake.foreign_conflicts) >= 3, 10)
    fake.foreign_poller = False

    assert "subscribe" in await say(
        fake,
        "/start",
        ALICE,
    )
    during = caplog.records[before:]
    about_it = [r for r in during if "409" in r.getMessage() or "onflict" in r.getMessage()]
    assert [r.levelno for r in about_it] == [logging.WARNING], [r.getMessage() for r in during]
    assert "another bot instance" in about_it[0].getMessage()
    assert [r.getMessage() for r in during if r.exc_info] == []
    # The interval that keeps it to one line is a minute, far longer than this test.
    assert runner.POLL_WARNING_INTERVAL == 60.0


def test_a_recurring_warning_is_logged_once_per_interval(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    log = Throttled(logging.getLogger("bot.test"), 60.0, clock=lambda: now[0])
    logged = []
    for now[0] in (0.0, 1.0, 30.0, 59.9, 60.0, 61.0, 120.0):
        logged.append(log.warning("conflict", "conflict at %s", now[0]))
    assert logged == [True, False, False, False, True, False, True]
    assert [r.getMessage() for r in caplog.records] == [
        "conflict at 0.0",
        "conflict at 60.0",
        "conflict at 120.0",
    ]
