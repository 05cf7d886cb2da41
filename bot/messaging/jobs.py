"""The scheduled jobs: scanning the content folder, the progress of running broadcasts, and
releasing held notes (bot.messaging.release_job)."""

from __future__ import annotations

import asyncio
import logging
import time

from telegram.error import TelegramError

from bot.domain.alerts import AlertKind
from bot.domain.i18n import use_language
from bot.domain.texts import progress_line
from bot.logs import log_broadcast
from bot.messaging import editor_jobs
from bot.messaging.context import NewsApplication, NewsContext, Services
from bot.messaging.editor_jobs import edit_preview
from bot.messaging.live_job import check_live, live_check_job
from bot.messaging.release_job import RELEASE_INTERVAL, release_job
from bot.scanning.scan import ContentDirMissing, scan
from bot.scanning.watch import watch_content
from bot.settings import Settings
from storage.locks import is_outage

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 3.0  # seconds between edits of a broadcast's progress report
# Where the file system gives no events, the watcher looks for changes this often.
WATCH_POLL_SECONDS = 1.0


def schedule(application: NewsApplication, settings: Settings) -> None:
    """Run the scan every SCAN_INTERVAL and the progress report every few seconds."""
    queue = application.job_queue
    assert queue is not None, "install python-telegram-bot[job-queue]"
    queue.run_repeating(scan_job, interval=settings.scan_interval, first=0, name="scan")
    queue.run_repeating(progress_job, interval=PROGRESS_INTERVAL, first=PROGRESS_INTERVAL)
    queue.run_repeating(live_check_job, interval=settings.live_check_seconds, first=0)
    queue.run_repeating(release_job, interval=RELEASE_INTERVAL, first=RELEASE_INTERVAL)
    editor_jobs.schedule(queue)


async def scan_job(context: NewsContext) -> None:
    """Scan the content folder, when this process is the one that polls and scans."""
    services = context.services
    # The scan at gaining the lease and the repeating one may meet: two scans at once would
    # both read (and both log) the same changed files.
    if not services.leading or services.scanning.locked():
        return
    await scan_now(services)


async def scan_on_request(services: Services) -> None:
    """Scan as soon as Services.request_scan() asks (after the scan running then, if any).

    Runs until cancelled. Only the process holding the poller role scans; elsewhere a
    request is dropped (that process's next SCAN_INTERVAL scan is the holder's business).
    """
    while True:
        await services.scan_requested.wait()
        services.scan_requested.clear()
        if not services.leading:
            continue
        if services.content_repo is not None:
            services.content_repo.retry_now()  # news was published: fetch now, backoff or not
        try:
            await scan_now(services)
        except Exception:
            logger.exception("the requested scan failed")


async def watch_content_dir(services: Services, stop: asyncio.Event) -> None:
    """Request a scan on every batch of file events under CONTENT_DIR (WATCH=true)."""
    await watch_content(
        services.settings.content_dir,
        services.request_scan,
        stop,
        poll_seconds=WATCH_POLL_SECONDS,
    )


async def scan_now(services: Services) -> None:
    """One scan (after the one running, if any); errors that are outages are logged once."""
    try:
        async with services.scanning:
            # Whatever asks for the scan (the schedule, a takeover, a publish hook), the
            # clone of CONTENT_GIT is brought up to date first.
            repo = services.content_repo
            if repo is not None and not await repo.pull() and not repo.ready:
                return
            started = time.perf_counter()
            result = await scan(
                services.store, services.settings, stop=services.stopping, now=services.clock.now()
            )
            services.last_scan_at = services.clock.now()
            services.metrics.scanned(time.perf_counter() - started, services.last_scan_at)
    except ContentDirMissing as exc:
        if not services.content_missing:
            logger.error(
                "%s: nothing to scan until it exists",
                exc,
                extra={"alert": AlertKind.CONTENT_MISSING},
            )
        services.content_missing = True
        return
    except Exception as exc:
        if not is_outage(exc):
            raise
        # The next scan tries again; the poller stops by itself if the outage lasts.
        services.jobs_database.failed(exc)
        return
    logger.debug("scan: %d files read, %d announced", result.files_read, len(result.announced))
    services.jobs_database.ok()
    services.content_missing = False
    if result.announced:
        services.sender.wake()
    if result.waiting_live:
        # The page may be live already (a publish hook comes after the deploy).
        await check_live(services)


async def progress_job(context: NewsContext) -> None:
    """Edit each running broadcast's preview with its progress, then with its report."""
    services = context.services
    if not services.leading:
        return
    try:
        await _report_progress(context)
    except Exception as exc:
        if not is_outage(exc):
            raise
        services.jobs_database.failed(exc)


async def _report_progress(context: NewsContext) -> None:
    services = context.services
    store = services.store
    for info in await store.sending_broadcasts():
        progress = await store.broadcast_progress(info.id)
        now = context.now()
        seconds = None
        if progress.done:
            if not await store.finish_broadcast(info.id, now):
                continue
            log_broadcast(info, progress)
            seconds = (now - (info.started_at or now)).total_seconds()
        if info.preview_chat_id is None or info.preview_message_id is None:
            continue
        # The report is in the language of the chat that holds the preview.
        with use_language(await store.chat_language(info.preview_chat_id)):
            footer = progress_line(progress, seconds)
        if services.shown_progress.get(info.id) == footer:
            continue
        services.shown_progress[info.id] = footer
        try:
            await edit_preview(context.bot, info, f"{info.html}\n\n{footer}")
        except TelegramError as exc:
            logger.warning("could not update the report of broadcast %d: %s", info.id, exc)
