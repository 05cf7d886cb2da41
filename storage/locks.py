"""Role locks that die with their process: a PostgreSQL session lock, or a file lock.

A timed lease row outlives a killed process until it expires; these do not. The kernel
closes a dead process's files and sockets, which drops a `flock` at once and ends the
PostgreSQL session holding a session-level advisory lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import URL, make_url, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

# What a database out of reach raises (connection lost or refused, a read-only or full
# SQLite file, a pool that cannot connect); asyncpg lets a refused connection through as
# ConnectionRefusedError. Not a constraint violation or a bad query: those are bugs.
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeout,
    OSError,
)


def is_outage(error: BaseException) -> bool:
    """Whether `error` says the database is out of reach, rather than that a query is wrong.

    Besides the types above, a connection cut in the middle of a statement reaches us as a
    plain DBAPIError that SQLAlchemy marks as having invalidated the connection.
    """
    if isinstance(error, DATABASE_ERRORS):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


# A check or an attempt on a silent network gives up after this long (asyncpg's own connect
# timeout is 60 s: far too long to notice that the lock's connection is gone).
LOCK_TIMEOUT = 5.0


class LockLost(Exception):
    """The lock's connection or file went away: the lock may be someone else's now."""


class RoleLock(Protocol):
    """A non-blocking, process-bound lock on one named role."""

    async def acquire(self) -> bool:
        """Take the lock if it is free; False while another process holds it."""
        ...

    async def check(self) -> None:
        """Raise LockLost (or the database's error) unless the lock is still held."""
        ...

    async def release(self) -> None:
        """Give the lock up (best effort: a dead connection has given it up already)."""
        ...


def role_lock(url: str | URL, name: str) -> RoleLock:
    """The lock for role `name` of the newsbot using the database at `url`."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        path = sqlite_lock_path(url)
        return FileLock(path) if path is not None else ProcessLock()
    return AdvisoryLock(url, name)


def sqlite_lock_path(url: URL) -> Path | None:
    """`<database>.lock` beside an SQLite file; None for an in-memory database."""
    database = url.database or ""
    if database.startswith("file:"):
        # A URI filename (`?uri=true`): the path ends at the query string.
        path, _, query = database[len("file:") :].partition("?")
        if "mode=memory" in query:
            return None
        database = path
    if database in ("", ":memory:"):
        return None  # only this process can reach it: nobody to exclude
    return Path(database + ".lock")


class ProcessLock:
    """The lock of an in-memory database, which no other process can share."""

    async def acquire(self) -> bool:
        return True

    async def check(self) -> None:
        pass

    async def release(self) -> None:
        pass


class FileLock:
    """An exclusive `flock` on a file beside the SQLite database, held while the file is open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    async def acquire(self) -> bool:
        if self._fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except PermissionError:
            # A read-only folder: a lock file made earlier can still be locked.
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    async def check(self) -> None:
        if self._fd is None:
            raise LockLost(f"{self.path} is not locked")
        try:
            same = os.path.samestat(os.fstat(self._fd), os.stat(self.path))
        except FileNotFoundError:
            same = False
        if not same:
            # Someone deleted or replaced the file: another process can lock the new one.
            await self.release()
            raise LockLost(f"{self.path} was removed or replaced")

    async def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the file drops the flock


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a connection of its own, kept open."""

    def __init__(self, url: URL, name: str) -> None:
        # Advisory locks are per database, so the key only has to tell newsbot's roles apart.
        digest = hashlib.blake2b(f"newsbot:{name}".encode(), digest_size=8).digest()
        self.key = int.from_bytes(digest, "big", signed=True)
        # No pool: closing the connection must really end the session (and its lock); and
        # autocommit, so that the connection never sits idle inside a transaction.
        self._engine: AsyncEngine = create_async_engine(
            url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
        )
        self._conn: AsyncConnection | None = None
        self._held = False

    async def acquire(self) -> bool:
        if self._held:
            return True
        try:
            async with asyncio.timeout(LOCK_TIMEOUT):
                if self._conn is None:
                    self._conn = await self._engine.connect()
                result = await self._conn.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
                )
                self._held = bool(result.scalar())
        except BaseException:
            await self._drop()
            raise
        return self._held

    async def check(self) -> None:
        if not self._held or self._conn is None:
            raise LockLost("the advisory lock is not held")
        try:
            async with asyncio.timeout(LOCK_TIMEOUT):
                await self._conn.execute(text("SELECT 1"))
        except BaseException:
            # Whatever went wrong, this session can no longer be trusted to hold the lock.
            await self._drop()
            raise

    async def release(self) -> None:
        if self._held and self._conn is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(LOCK_TIMEOUT):
                    await self._conn.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}
                    )
        await self._drop()
        await self._engine.dispose()

    async def _drop(self) -> None:
        """Forget the connection; closing it ends the session and so the lock."""
        self._held = False
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(LOCK_TIMEOUT):
                    await conn.invalidate()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(LOCK_TIMEOUT):
                    await conn.close()
