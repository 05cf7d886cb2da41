"""Long-running processes: `newsbot run` (poll, scan, send) and `newsbot worker` (send)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from telegram import Update
from telegram.error import TelegramError

from bot.application import build_application, register_commands, scan_job
from bot.context import NewsApplication, Services
from bot.delivery import Sender, concurrency_for, sender_bot, shared_limiter
from bot.settings import Settings, SettingsError
from storage.schema import open_store

logger = logging.getLogger(__name__)

POLLER_LEASE = "poller"


FREE_RATE = 30  # messages per second Telegram allows a bot without paid broadcasts


def warn_about_rate(settings: Settings) -> None:
    if settings.send_rate > FREE_RATE and not settings.paid_broadcast:
        logger.warning(
            "SEND_RATE=%g is above the ~%d messages per second Telegram allows; expect 429s "
            "unless PAID_BROADCAST=true",
            settings.send_rate,
            FREE_RATE,
        )


def hide_token_from_logs() -> None:
    """httpx logs each request URL at INFO, and every Bot API URL contains the token."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Poll Telegram, scan the content folder and send, until `stop` is set.

    Several `run` processes may start; one holds the poller lease and polls and scans, the
    others only send, and take over when the lease holder dies.
    """
    settings.require_token()
    hide_token_from_logs()
    warn_about_rate(settings)
    store = await open_store(
        settings.database_url, wait_seconds=settings.db_wait_seconds, stop=stop
    )
    try:
        application = build_application(settings, store)
        services: Services = application.bot_data["services"]
        rate = 1.0 / services.limiter.interval
        bot = sender_bot(settings, concurrency_for(rate))
        sender = Sender(store, bot, services.limiter, settings)
        services.sender = sender
        async with application, bot:
            await register_commands(application.bot, settings)
            await application.start()
            sending = asyncio.create_task(sender.run(stop), name="sender")
            try:
                await _lead(application, services, sender.owner, stop)
            finally:
                stop.set()
                await sending
                await application.stop()
    finally:
        await store.close()


async def _lead(
    application: NewsApplication, services: Services, owner: str, stop: asyncio.Event
) -> None:
    """Hold the poller lease while alive: poll and scan only while holding it."""
    settings, store = services.settings, services.store
    ttl = timedelta(seconds=settings.lease_seconds)
    # A long poll must end well before the lease could pass to another process, or
    # Telegram would see two pollers and answer 409 Conflict.
    poll_timeout = max(1, int(min(10.0, settings.lease_seconds / 3)))
    updater = application.updater
    assert updater is not None
    waiting_logged = False
    try:
        while not stop.is_set():
            try:
                holds = await store.acquire_lease(POLLER_LEASE, owner, datetime.now(UTC), ttl)
            except Exception:
                # Unsure whether we still hold the lease: stop polling rather than risk two
                # pollers, and try again at the next round.
                logger.exception("could not renew the poller lease")
                holds = False
            if holds and not services.leading:
                try:
                    await updater.start_polling(
                        timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
                    )
                except TelegramError:
                    logger.exception("could not start polling Telegram; trying again shortly")
                    await _pause(stop, ttl.total_seconds() / 3)
                    continue
                services.leading = True
                logger.info("polling Telegram and scanning %s", settings.content_dir)
                assert application.job_queue is not None
                application.job_queue.run_once(scan_job, 0)
            elif not holds and services.leading:
                logger.warning("lost the poller lease: another process polls now")
                services.leading = False
                await updater.stop()
            elif not holds and not waiting_logged:
                logger.info("another newsbot run is polling; this one sends and stands by")
                waiting_logged = True
            await _pause(stop, ttl.total_seconds() / 3)
    finally:
        if services.leading:
            services.leading = False
            await updater.stop()
            await store.release_lease(POLLER_LEASE, owner)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep, unless asked to stop first."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def work(settings: Settings, stop: asyncio.Event) -> None:
    """Only send: claim outbox rows until `stop` is set (PostgreSQL only)."""
    if settings.is_sqlite:
        raise SettingsError(
            "newsbot worker needs PostgreSQL (DATABASE_URL=postgresql+asyncpg://...): with "
            "SQLite, `newsbot run` is the only process and sends by itself"
        )
    settings.require_token()
    hide_token_from_logs()
    store = await open_store(
        settings.database_url, wait_seconds=settings.db_wait_seconds, stop=stop
    )
    try:
        limiter = shared_limiter(settings, store)
        bot = sender_bot(settings, concurrency_for(1.0 / limiter.interval))
        async with bot:
            sender = Sender(store, bot, limiter, settings)
            logger.info("worker %s sending", sender.owner)
            try:
                await sender.run(stop)
            finally:
                await limiter.close()
    finally:
        await store.close()
