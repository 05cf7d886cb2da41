"""Opening the database: reachable, schema current (Alembic migrations applied from code)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.store import Store

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
PROBE_TIMEOUT = 10.0  # seconds one connection attempt may take (a dropped SYN never fails)
MAX_BACKOFF = 10.0


class SchemaOutOfDate(RuntimeError):
    """The database is behind the code's migrations."""


class DatabaseUnreachable(RuntimeError):
    """The database cannot be reached or opened; the message names DATABASE_URL, no password."""


def safe_url(url: str) -> str:
    """DATABASE_URL as it may be shown: the password replaced by ***."""
    return make_url(url).render_as_string(hide_password=True)


def _reason(exc: BaseException) -> str:
    """The driver's own one-line account of a failed connection."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    if isinstance(exc, TimeoutError):
        return f"no answer within {PROBE_TIMEOUT:g} s"
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


async def _probe(engine: AsyncEngine) -> None:
    name = engine.url.database
    if engine.dialect.name == "sqlite" and name and name != ":memory:":
        # Opened with the standard library first: when aiosqlite fails to open a file, its
        # thread reports back after asyncio.run() may have closed the loop, and prints a
        # traceback of its own.
        await asyncio.to_thread(_open_sqlite, name)
    async with asyncio.timeout(PROBE_TIMEOUT), engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


def _open_sqlite(name: str) -> None:
    with contextlib.closing(sqlite3.connect(name)):
        pass


async def wait_until_reachable(
    engine: AsyncEngine, url: str, wait_seconds: float, stop: asyncio.Event | None = None
) -> None:
    """Connect, retrying with backoff for up to `wait_seconds`: one warning per failed try."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.5
    while True:
        try:
            await _probe(engine)
            return
        except (OSError, DBAPIError, sqlite3.Error) as exc:
            reason = _reason(exc)
        remaining = deadline - time.monotonic()
        stopped = stop is not None and stop.is_set()
        if remaining <= 0 or stopped:
            waited = f" (waited {wait_seconds:g} s)" if wait_seconds > 0 else ""
            waited = " (stopped while waiting)" if stopped else waited
            raise DatabaseUnreachable(
                f"cannot reach the database (DATABASE_URL={safe_url(url)}): {reason}{waited}"
            ) from None
        pause = min(delay, remaining)
        logger.warning(
            "database not reachable (DATABASE_URL=%s): %s; trying again in %.1f s",
            safe_url(url),
            reason,
            pause,
        )
        if stop is None:
            await asyncio.sleep(pause)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)
        delay = min(delay * 2, MAX_BACKOFF)


async def open_store(
    url: str,
    *,
    wait_seconds: float = 0.0,
    stop: asyncio.Event | None = None,
    check_schema: bool = True,
) -> Store:
    """The store at `url` once the database answers, its schema checked (see ensure_current).

    Every command opens the database here, so that an unreachable one is always one line.
    """
    store = Store.open(url)
    try:
        await wait_until_reachable(store.engine, url, wait_seconds, stop)
        if check_schema:
            await ensure_current(store.engine)
    except BaseException:
        await store.close()
        raise
    return store


@contextlib.asynccontextmanager
async def snapshot_store(url: str) -> AsyncIterator[Store]:
    """A store whose changes cannot reach the database at `url` (for dry runs).

    SQLite is copied, read-only, into a temporary file (a missing file is an empty database;
    one behind the code's schema is upgraded in the copy only). PostgreSQL is used as it is:
    a dry run rolls its transaction back, and a schema behind the code is refused.
    """
    if not url.startswith("sqlite"):
        store = await open_store(url)
        try:
            yield store
        finally:
            await store.close()
        return
    with tempfile.TemporaryDirectory(prefix="newsbot-dry-run-") as folder:
        copy = Path(folder) / "copy.db"
        await asyncio.to_thread(_copy_sqlite, url, copy)
        store = await open_store(f"sqlite+aiosqlite:///{copy}", check_schema=False)
        try:
            await _upgrade_copy(store.engine)
            yield store
        finally:
            await store.close()


def _copy_sqlite(url: str, target: Path) -> None:
    """Copy the SQLite database at `url` into `target` without writing to it at all."""
    name = make_url(url).database
    source = Path(name) if name and name != ":memory:" else None
    if source is None or not source.exists():
        return
    # Without a -wal file the database file is complete: immutable reads it with no lock and no
    # -shm. With one, a running bot may be writing: read it as any SQLite reader does.
    wal = source.with_name(source.name + "-wal")
    uri = f"file:{quote(str(source.resolve()))}?mode=ro" + ("" if wal.exists() else "&immutable=1")
    try:
        with (
            contextlib.closing(sqlite3.connect(uri, uri=True)) as src,
            contextlib.closing(sqlite3.connect(target)) as dst,
        ):
            src.backup(dst)
    except sqlite3.Error as exc:
        raise DatabaseUnreachable(
            f"cannot read the database (DATABASE_URL={safe_url(url)}): {exc}"
        ) from None


async def _upgrade_copy(engine: AsyncEngine) -> None:
    """Bring a copy up to the code's schema when it is behind (never a newer one)."""
    current, head = await current_revision(engine), head_revision()
    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current is not None and current in known and current != head:
        logger.warning(
            "the database schema is at revision %s, the code needs %s: this dry run uses an "
            "upgraded copy (`newsbot db upgrade` upgrades the database)",
            current,
            head,
        )
        await upgrade(engine)
    await ensure_current(engine)


def alembic_config() -> Config:
    """Alembic's configuration, pointing at storage/migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def upgrade(engine: AsyncEngine) -> tuple[str | None, str | None]:
    """Apply every pending migration; returns the revisions before and after."""
    before = await current_revision(engine)

    def run(sync: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync
        command.upgrade(config, "head")

    async with engine.begin() as conn:
        await conn.run_sync(run)
    return before, await current_revision(engine)


async def is_empty(engine: AsyncEngine) -> bool:
    """True for a database with no tables at all (a brand-new SQLite file)."""
    async with engine.connect() as conn:
        return not await conn.run_sync(lambda sync: inspect(sync).get_table_names())


async def ensure_current(engine: AsyncEngine) -> None:
    """Refuse to run on a schema older (or newer) than the code's.

    A brand-new SQLite database is created on the spot: the default set-up needs no step.
    """
    if engine.dialect.name == "sqlite" and await is_empty(engine):
        await upgrade(engine)
        return
    current, head = await current_revision(engine), head_revision()
    known = {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }
    if current is not None and current not in known:
        raise SchemaOutOfDate(
            f"the database schema is at revision {current}, which this version of newsbot "
            f"does not know (it needs {head}): the database belongs to a newer newsbot"
        )
    if current != head:
        raise SchemaOutOfDate(
            f"the database schema is at revision {current or 'none'}, the code needs {head}: "
            "run `newsbot db upgrade` first"
        )
