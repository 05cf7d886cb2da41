"""The PostgreSQL server the tests use: where it is, whether it must be there, emptying it."""

from __future__ import annotations

import asyncio
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

POSTGRES_URL = os.environ.get(
    "NEWSBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
# CI sets this: there a skipped PostgreSQL test is a failure, not a shrug.
REQUIRE_POSTGRES = os.environ.get("NEWSBOT_REQUIRE_POSTGRES") == "1"


def postgres_reachable() -> bool:
    """Whether something listens at POSTGRES_URL's host and port (within a second)."""
    url = urlparse(POSTGRES_URL.replace("+asyncpg", ""))
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 5432), 1):
            return True
    except OSError:
        return False


def run_outside_transaction(statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE), from any context."""

    async def execute() -> None:
        engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(statement))
        await engine.dispose()

    # Its own thread, so it works even when called while a test's event loop runs.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, execute()).result()


async def reset_postgres(url: str) -> None:
    """Empty a PostgreSQL database: drop and recreate its public schema."""
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
