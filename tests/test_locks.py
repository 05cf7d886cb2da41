"""The poller lock: exclusive while its holder lives, gone with the holder's file or session."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from storage.locks import LockLost, ProcessLock, is_outage, role_lock, sqlite_lock_path


async def test_one_holder_at_a_time_and_a_free_lock_after_release(database_url: str) -> None:
    first, second = role_lock(database_url, "poller"), role_lock(database_url, "poller")
    try:
        assert await first.acquire()
        assert not await second.acquire()
        await first.check()
        await first.release()
        assert await second.acquire()
    finally:
        await first.release()
        await second.release()


def test_the_sqlite_lock_file_sits_beside_the_database(tmp_path: Path) -> None:
    assert sqlite_lock_path(make_url(f"sqlite+aiosqlite:///{tmp_path}/n.db")) == Path(
        f"{tmp_path}/n.db.lock"
    )
    for memory in ("sqlite+aiosqlite://", "sqlite+aiosqlite:///:memory:"):
        assert sqlite_lock_path(make_url(memory)) is None
        assert isinstance(role_lock(memory, "poller"), ProcessLock)


async def test_a_replaced_lock_file_counts_as_lost(tmp_path: Path) -> None:
    lock = role_lock(f"sqlite+aiosqlite:///{tmp_path / 'n.db'}", "poller")
    assert await lock.acquire()
    (tmp_path / "n.db.lock").unlink()
    with pytest.raises(LockLost):
        await lock.check()


@pytest.mark.postgres
async def test_a_lost_session_loses_the_advisory_lock(postgres_url: str) -> None:
    first, second = role_lock(postgres_url, "poller"), role_lock(postgres_url, "poller")
    admin = create_async_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        assert await first.acquire()
        async with admin.connect() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND pid <> pg_backend_pid() "
                    "AND database = (SELECT oid FROM pg_database "
                    "WHERE datname = current_database())"
                )
            )
        assert await second.acquire()
        with pytest.raises(Exception):  # noqa: B017 - whichever error the driver raises
            await first.check()
    finally:
        await first.release()
        await second.release()
        await admin.dispose()


def test_a_connection_cut_mid_statement_is_an_outage_and_a_bad_query_is_not() -> None:
    cut = DBAPIError("SELECT 1", None, ConnectionError("closed"), connection_invalidated=True)
    assert is_outage(cut)
    assert is_outage(OperationalError("SELECT 1", None, OSError("refused")))
    assert not is_outage(IntegrityError("INSERT", None, ValueError("duplicate key")))
    assert not is_outage(DBAPIError("SELECT", None, ValueError("syntax")))
    assert not is_outage(ValueError("not the database"))
