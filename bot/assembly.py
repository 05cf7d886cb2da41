"""One assembly: the services every process works with, built the same way for all of them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from bot.domain.clock import SYSTEM_CLOCK, Clock
from bot.messaging.context import Services
from bot.messaging.pacing import limiter_rate, shared_limiter
from bot.messaging.sender import Sender
from bot.messaging.transport import concurrency_for, sender_bot
from bot.settings import Settings
from bot.telemetry import Metrics
from storage.schema import open_store


@contextlib.asynccontextmanager
async def open_services(
    settings: Settings,
    stop: asyncio.Event | None = None,
    *,
    wait_for_database: bool = True,
    clock: Clock = SYSTEM_CLOCK,
) -> AsyncIterator[Services]:
    """The store (schema checked), the shared limiter, the bulk bot and its sender.

    Used by `newsbot run`, `newsbot worker` and `newsbot broadcast`. `stop` ends a wait for
    the database (up to DB_WAIT_SECONDS, unless `wait_for_database` is false) and tells a
    scan to give up. The bulk bot is built but not started: starting it asks Telegram who
    it is, so each caller does that (`async with services.sender.bot`) when it begins to
    send. Everything is closed on the way out.
    """
    wait_seconds = settings.db_wait_seconds if wait_for_database else 0.0
    store = await open_store(settings.database_url, wait_seconds=wait_seconds, stop=stop)
    try:
        limiter = shared_limiter(settings, store)
        try:
            bot = sender_bot(settings, concurrency_for(limiter_rate(limiter)))
            metrics = Metrics()
            sender = Sender(store, bot, limiter, settings, clock=clock, metrics=metrics)
            yield Services(
                settings,
                store,
                limiter,
                sender,
                clock=clock,
                stopping=stop or asyncio.Event(),
                metrics=metrics,
            )
        finally:
            await limiter.close()
    finally:
        await store.close()
