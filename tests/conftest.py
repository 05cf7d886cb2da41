"""Shared fixtures: real databases (SQLite file, PostgreSQL), the fake Bot API, a running bot.

Only fixtures live here; the helpers they are built from are in tests/support/.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

from storage.schema import upgrade
from storage.store import Store
from tests.support.bots import BotFactory, RunningBot
from tests.support.clock import ShiftedClock
from tests.support.databases import (
    POSTGRES_URL,
    REQUIRE_POSTGRES,
    postgres_reachable,
    reset_postgres,
    run_outside_transaction,
)
from tests.support.fake_telegram import FakeTelegram

# A test stuck past pytest-timeout's limit also prints where each asyncio task waits.
from tests.support.hangs import pytest_timeout_set_timer  # noqa: F401
from tests.support.settings import settings_for


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test session's own on the PostgreSQL server, dropped at the end.

    Concurrent test runs (or a benchmark) on the same server cannot disturb each other.
    """
    if not postgres_reachable():
        reason = f"PostgreSQL not reachable at {POSTGRES_URL} (set NEWSBOT_TEST_POSTGRES_URL)"
        if REQUIRE_POSTGRES:
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"newsbot_test_{os.getpid()}"
    run_outside_transaction(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    run_outside_transaction(f"CREATE DATABASE {name}")
    yield str(make_url(POSTGRES_URL).set(database=name))
    run_outside_transaction(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: an SQLite file, or the real PostgreSQL emptied."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'newsbot.db'}"
    url: str = request.getfixturevalue("postgres_url")
    await reset_postgres(url)
    return url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """A store on a migrated, empty database."""
    store = Store.open(database_url)
    await upgrade(store.engine)
    yield store
    await store.close()


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """An empty content folder."""
    folder = tmp_path / "content"
    folder.mkdir()
    return folder


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API; at the end it must have rejected no call and seen no two pollers."""
    async with FakeTelegram() as server:
        yield server
    assert not server.rejected, f"the fake Bot API rejected calls: {server.rejected}"
    assert not server.conflicts, "two processes polled Telegram at once (409 Conflict)"


@pytest.fixture(autouse=True)
def no_errors(caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test during which newsbot or PTB logged an error (a handler raised, say)."""
    caplog.set_level(logging.INFO)
    yield
    if request.node.get_closest_marker("allow_errors"):
        return
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, "errors were logged:\n" + "\n".join(
        f"{r.name}: {r.getMessage()}" for r in errors
    )


@pytest.fixture
def clock() -> ShiftedClock:
    """The time the `newsbot` fixture's bots decide by: move it with advance() or jump_to()."""
    return ShiftedClock()


@pytest.fixture
async def newsbot(
    fake: FakeTelegram, database_url: str, content: Path, store: Store, clock: ShiftedClock
) -> AsyncIterator[BotFactory]:
    """Start `newsbot run` against the fake Bot API; stopped (and checked) at the end."""
    bots: list[RunningBot] = []
    # Message dates and Telegram's 48 hours to edit or delete them follow the bot's clock.
    fake.wall_clock = lambda: clock.now().timestamp()

    async def start(**extra: str) -> RunningBot:
        bot = RunningBot(settings_for(fake, database_url, content, **extra), clock=clock)
        polls = sum(c.method == "getUpdates" for c in fake.calls)
        await bot.start()
        bots.append(bot)
        # Ready once it polls: a new getUpdates reached the fake.
        await fake.wait_for(lambda: sum(c.method == "getUpdates" for c in fake.calls) > polls, 10)
        return bot

    yield start
    for bot in bots:
        await bot.shutdown()
