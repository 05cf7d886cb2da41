"""Shared fixtures: real databases (SQLite file, PostgreSQL), the fake Bot API, a running bot."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot import runner
from bot.settings import Settings
from storage.schema import upgrade
from storage.store import Store
from tests.support.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "content" / "2025-04-30-north-korea-first-road-bridge.md"
POSTGRES_URL = os.environ.get(
    "NEWSBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
# CI sets this: there a skipped PostgreSQL test is a failure, not a shrug.
REQUIRE_POSTGRES = os.environ.get("NEWSBOT_REQUIRE_POSTGRES") == "1"


def _postgres_reachable() -> bool:
    url = urlparse(POSTGRES_URL.replace("+asyncpg", ""))
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 5432), 1):
            return True
    except OSError:
        return False


def _admin(statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE), from any context."""

    async def execute() -> None:
        engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(statement))
        await engine.dispose()

    # Its own thread, so it works even when called while a test's event loop runs.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, execute()).result()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test session's own on the PostgreSQL server, dropped at the end.

    Concurrent test runs (or a benchmark) on the same server cannot disturb each other.
    """
    if not _postgres_reachable():
        reason = f"PostgreSQL not reachable at {POSTGRES_URL} (set NEWSBOT_TEST_POSTGRES_URL)"
        if REQUIRE_POSTGRES:
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"newsbot_test_{os.getpid()}"
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(f"CREATE DATABASE {name}")
    yield str(make_url(POSTGRES_URL).set(database=name))
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


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


def environment_for(
    fake: FakeTelegram, database_url: str, content: Path, **extra: str
) -> dict[str, str]:
    """The settings of a test bot, as environment variables."""
    values = {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.base_url,
        "DATABASE_URL": database_url,
        "CONTENT_DIR": str(content),
        "SITE_URL": "https://news.example",
        "SCAN_INTERVAL": "0.2",
        "SEND_RATE": "200",
        "LEASE_SECONDS": "3",
    }
    values.update(extra)
    return values


def settings_for(fake: FakeTelegram, database_url: str, content: Path, **extra: str) -> Settings:
    return Settings.from_mapping(environment_for(fake, database_url, content, **extra))


def child_environment(**values: str) -> dict[str, str]:
    """The environment of a newsbot child process: ours, the project importable, `values`."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **values}


@dataclass
class RunningBot:
    """A `newsbot run` inside the test's event loop."""

    settings: Settings
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(runner.run(self.settings, self.stop))

    async def shutdown(self) -> None:
        if self.task is not None:
            self.stop.set()
            await asyncio.wait_for(self.task, 15)
            self.task = None


BotFactory = Callable[..., Awaitable[RunningBot]]


@pytest.fixture
async def newsbot(
    fake: FakeTelegram, database_url: str, content: Path, store: Store
) -> AsyncIterator[BotFactory]:
    """Start `newsbot run` against the fake Bot API; stopped (and checked) at the end."""
    bots: list[RunningBot] = []

    async def start(**extra: str) -> RunningBot:
        bot = RunningBot(settings_for(fake, database_url, content, **extra))
        polls = sum(c.method == "getUpdates" for c in fake.calls)
        await bot.start()
        bots.append(bot)
        # Ready once it polls: a new getUpdates reached the fake.
        await fake.wait_for(lambda: sum(c.method == "getUpdates" for c in fake.calls) > polls, 10)
        return bot

    yield start
    for bot in bots:
        await bot.shutdown()
