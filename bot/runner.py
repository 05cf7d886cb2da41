"""Long-running processes: `newsbot run` (poll, scan, send) and `newsbot worker` (send)."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import Conflict, TelegramError

from bot.assembly import open_services
from bot.domain.clock import SYSTEM_CLOCK, Clock
from bot.domain.outages import OutageLog, Throttled
from bot.domain.waiting import sleep_unless
from bot.logs import configure_logging
from bot.messaging.alerts import reporting_errors
from bot.messaging.application import build_application
from bot.messaging.context import NewsApplication, Services
from bot.messaging.jobs import scan_job, scan_on_request, watch_content_dir
from bot.messaging.menus import register_commands
from bot.scanning.git import first_copy
from bot.settings import Settings, SettingsError
from bot.web.app import serving
from storage.locks import LockLost, RoleLock, role_lock

logger = logging.getLogger(__name__)

POLLER_ROLE = "poller"
# The holder looks at its lock this often: a lock whose database connection broke is gone,
# and polling stops at the next look.
LOCK_CHECK_SECONDS = 2.0
# A standby (or a process after an outage) tries to take the lock this often.
LOCK_RETRY_SECONDS = 1.0
# A recurring polling error (a 409 Conflict from another bot on the same token) is logged
# at most this often.
POLL_WARNING_INTERVAL = 60.0


FREE_RATE = 30  # messages per second Telegram allows a bot without paid broadcasts


def warn_about_rate(settings: Settings) -> None:
    if settings.send_rate > FREE_RATE and not settings.paid_broadcast:
        logger.warning(
            "SEND_RATE=%g is above the ~%d messages per second Telegram allows; expect 429s "
            "unless PAID_BROADCAST=true",
            settings.send_rate,
            FREE_RATE,
        )


async def run(settings: Settings, stop: asyncio.Event, *, clock: Clock = SYSTEM_CLOCK) -> None:
    """Poll Telegram, scan the content folder and send, until `stop` is set.

    Several `run` processes may start; the one holding the poller lock polls and scans, the
    others only send, and take over when the holder dies (the lock dies with it).
    """
    settings.require_token()
    configure_logging(settings)
    settings, content_repo = await first_copy(settings, stop, clock=clock)
    if stop.is_set():
        return
    settings.require_site_url()
    warn_about_rate(settings)
    # `stop` also reaches the scan: Application.stop() waits for running jobs without a
    # limit, so a scan stuck on the file system must give up when the bot stops.
    async with open_services(settings, stop, clock=clock) as services:
        services.content_repo = content_repo
        application = build_application(services)
        sender = services.sender
        # HTTP first: a port in use stops the start here, cleanly.
        async with (
            serving(services, application),
            application,
            sender.bot,
            reporting_errors(services),
        ):
            chosen = await services.store.chat_languages(settings.admin_ids)
            await register_commands(application.bot, settings, chosen)
            await application.start()
            sending = asyncio.create_task(sender.run(stop), name="sender")
            requested = asyncio.create_task(scan_on_request(services), name="requested scans")
            watching = _watch(services, stop)
            try:
                lock = role_lock(services.store.engine.url, POLLER_ROLE)
                await _lead(application, services, lock, stop)
            finally:
                stop.set()
                requested.cancel()
                await sending
                await asyncio.gather(*watching)
                # APScheduler cancels a job submitted after JobQueue.stop() waited for the
                # running ones, and logs that as an error: submit no more before stopping.
                assert application.job_queue is not None
                application.job_queue.scheduler.pause()
                await application.stop()


def _watch(services: Services, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    """Request a scan on file events under CONTENT_DIR, unless WATCH=false."""
    # A clone of CONTENT_GIT changes only when newsbot pulls, and then it scans anyway.
    if not services.settings.watch or services.settings.content_git is not None:
        return []
    return [asyncio.create_task(watch_content_dir(services, stop), name="watch")]


async def _lead(
    application: NewsApplication, services: Services, lock: RoleLock, stop: asyncio.Event
) -> None:
    """Poll and scan while holding the poller lock; stand by (and keep sending) otherwise."""
    database = OutageLog(
        logger,
        "database unreachable: polling and scanning paused until it is back",
        "database back: polling and scanning again",
    )
    polling_errors = PollingErrors()
    waiting_logged = False
    try:
        while not stop.is_set():
            try:
                if services.leading:
                    await lock.check()
                elif await lock.acquire():
                    await _start_polling(application, services, polling_errors)
                elif not waiting_logged:
                    logger.info("another newsbot run is polling; this one sends and stands by")
                    waiting_logged = True
                database.ok()
            except TelegramError as exc:
                # Telegram out of reach at start: release the role, so a standby that can
                # reach it may take over, and try again shortly.
                polling_errors.log.warning(
                    "start", "could not start polling Telegram (%s); trying again", exc
                )
                await lock.release()
            except LockLost as exc:
                logger.warning("lost the poller lock (%s): polling stopped", exc)
                await _stop_polling(application, services)
            except Exception as exc:
                # The lock's connection broke (database unreachable): the lock went with it,
                # another process may take it now, so stop polling at once.
                await _stop_polling(application, services)
                await lock.release()
                database.failed(exc)
            await sleep_unless(stop, LOCK_CHECK_SECONDS if services.leading else LOCK_RETRY_SECONDS)
    finally:
        await _stop_polling(application, services)
        await lock.release()


async def _start_polling(
    application: NewsApplication, services: Services, errors: PollingErrors
) -> None:
    """Take the poller role: poll (or, in webhook mode, set the webhook) and scan."""
    updater = application.updater
    settings = services.settings
    assert updater is not None and application.job_queue is not None
    if settings.webhook_url:
        # Every `run` process takes pushed updates on POST /telegram; the holder says where.
        await application.bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        logger.info("webhook set to %s; scanning %s", settings.webhook_url, settings.content_dir)
    else:
        # PTB deletes any webhook first: Telegram refuses getUpdates while one is set.
        await updater.start_polling(
            timeout=_poll_timeout(settings),
            allowed_updates=Update.ALL_TYPES,
            error_callback=errors,
        )
        logger.info("polling Telegram and scanning %s", settings.content_dir)
    services.leading = True
    services.leading_since = services.clock.now()
    application.job_queue.run_once(scan_job, 0)


def _poll_timeout(settings: Settings) -> int:
    """Seconds a long poll waits: 10, or a third of a short LEASE_SECONDS (tests use 2-3 s).

    The lock, not the poll's length, keeps two processes from polling at once now; the
    short polls of a short lease only let tests see each poll complete quickly.
    """
    return max(1, int(min(10.0, settings.lease_seconds / 3)))


async def _stop_polling(application: NewsApplication, services: Services) -> None:
    if services.leading:
        services.leading = False
        assert application.updater is not None
        if application.updater.running:
            await application.updater.stop()


class PollingErrors:
    """PTB's error_callback for getUpdates: a warning per kind of error at most once a minute.

    PTB retries getUpdates by itself (backing off up to 30 s); its default callback logs a
    traceback at ERROR on every failed poll, every few seconds while another bot instance
    polls with the same token.
    """

    def __init__(self, interval: float | None = None) -> None:
        self.log = Throttled(logger, POLL_WARNING_INTERVAL if interval is None else interval)

    def __call__(self, exc: TelegramError) -> None:
        if isinstance(exc, Conflict):
            self.log.warning(
                "conflict",
                "Telegram refuses our getUpdates (409 Conflict: %s): another bot instance "
                "uses this token; polling again until it stops",
                exc.message,
            )
        else:
            self.log.warning(
                type(exc).__name__,
                "could not poll Telegram (%s: %s); trying again",
                type(exc).__name__,
                exc.message,
            )


async def work(settings: Settings, stop: asyncio.Event, *, clock: Clock = SYSTEM_CLOCK) -> None:
    """Only send: claim outbox rows until `stop` is set (PostgreSQL only)."""
    if settings.is_sqlite:
        raise SettingsError(
            "newsbot worker needs PostgreSQL (DATABASE_URL=postgresql+asyncpg://...): with "
            "SQLite, `newsbot run` is the only process and sends by itself"
        )
    settings.require_token()
    configure_logging(settings)
    async with open_services(settings, stop, clock=clock) as services:
        sender = services.sender
        async with serving(services), sender.bot, reporting_errors(services):
            logger.info("worker %s sending", sender.owner)
            await sender.run(stop)
