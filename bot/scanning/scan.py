"""Scanning the content folder: find changed files, read them, let the store decide."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, TypeVar

from bot.domain.alerts import AlertKind
from bot.domain.clock import SYSTEM_CLOCK
from bot.domain.permalinks import Permalinks
from bot.domain.posts import MalformedPost, Post
from bot.domain.scans import FileSeen, ScanResult
from bot.logs import log_announced
from bot.scanning.files import is_post_name, not_a_regular_file, posts_folder_holds_posts
from bot.scanning.parallel import read_posts
from bot.settings import Settings
from storage.models import PATH_LIMIT
from storage.store import Store

logger = logging.getLogger(__name__)

T = TypeVar("T")


class ContentDirMissing(FileNotFoundError):
    """CONTENT_DIR does not exist or is not a folder."""


def _walk(root: Path, *, site: bool = False) -> dict[str, os.stat_result]:
    """Every post file under `root`: relative posix path -> its lstat().

    site: `root` belongs to a Jekyll site (it has a _config.yml); unless `root` is a `_posts`
    folder or inside one, only files in its `_posts` folders are posts.
    """
    if not root.is_dir():
        raise ContentDirMissing(f"CONTENT_DIR {str(root)!r} is not a folder")
    in_posts_folder = site and "_posts" not in root.resolve().parts
    found: dict[str, os.stat_result] = {}
    # Folders as (full path, relative posix prefix, relative folder names); os.scandir gives
    # each entry's type without a stat, so only post files cost an lstat(). Linked folders
    # are not descended into (as os.walk); lstat does not follow linked files.
    pending: list[tuple[str, str, tuple[str, ...]]] = [(os.fspath(root), "", ())]
    while pending:
        folder, prefix, folders = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue  # unreadable or removed while we looked, as os.walk skips it
        names_ok = posts_folder_holds_posts(folders, in_posts_folder=in_posts_folder)
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not name.startswith(".") and not entry.is_symlink():
                    pending.append((entry.path, f"{prefix}{name}/", (*folders, name)))
                continue
            if not names_ok or not is_post_name(name):
                continue
            relative = prefix + name
            if len(relative) > PATH_LIMIT:
                _report_too_long(entry.path, relative)
                continue
            try:
                found[relative] = entry.stat(follow_symlinks=False)
            except OSError:
                continue  # removed while we looked; the next scan sees it gone
    return found


# Paths already reported as too long, so that each is logged once, not at every scan: such a
# path cannot be recorded (as a post or as malformed), which is what keeps the others quiet.
_too_long_reported: set[str] = set()


def _report_too_long(full: str, path: str) -> None:
    if full not in _too_long_reported:
        _too_long_reported.add(full)
        logger.warning(
            "skipping %s…: its path is longer than %d characters", path[:120], PATH_LIMIT
        )


def fingerprints(root: Path) -> dict[str, tuple[int, int]]:
    """Every post file under `root`: relative posix path -> (mtime_ns, size)."""
    return {path: (s.st_mtime_ns, s.st_size) for path, s in _walk(root).items()}


def _read_changes(
    root: Path,
    known: dict[str, tuple[int, int]],
    tz: tzinfo,
    links: Permalinks,
    site: bool,
    abandoned: threading.Event | None = None,
) -> tuple[set[str], list[FileSeen]]:
    """Every post file now present, and the changed ones read (a bad one as MalformedPost)."""
    found = _walk(root, site=site)
    changed = [
        (path, status)
        for path, status in sorted(found.items())
        if known.get(path) != (status.st_mtime_ns, status.st_size)
    ]
    # A FIFO, socket, device or link is reported without being opened: opening a FIFO
    # blocks until someone writes to it, and a link may lead out of CONTENT_DIR.
    problems = {path: not_a_regular_file(status.st_mode) for path, status in changed}
    readable = [path for path, problem in problems.items() if problem is None]
    read = iter(read_posts(root, readable, tz=tz, links=links, abandoned=abandoned))
    files = []
    for path, status in changed:
        problem = problems[path]
        post = MalformedPost(path, problem) if problem is not None else next(read)
        files.append(FileSeen(path, status.st_mtime_ns, status.st_size, post))
    return set(found), files


def _in_daemon_thread(work: Callable[[], T]) -> asyncio.Future[T]:
    """work() started in a thread of its own that neither shutdown nor interpreter exit wait for.

    asyncio.to_thread would use the default executor, which asyncio.run() joins at shutdown:
    a read stuck in the kernel (a hung network mount) would then keep SIGTERM from stopping
    the bot. Cancelling the returned future abandons the thread; its result is dropped.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(outcome: Callable[[], None]) -> None:
        if not future.done():  # else cancelled: nobody waits for it any more
            outcome()

    def run() -> None:
        try:
            result = work()
        except BaseException as error:  # every outcome must reach the waiting task
            outcome = functools.partial(future.set_exception, error)
        else:
            outcome = functools.partial(future.set_result, result)
        with contextlib.suppress(RuntimeError):  # the event loop is closed: nobody waits
            loop.call_soon_threadsafe(settle, outcome)

    threading.Thread(target=run, name="newsbot-scan", daemon=True).start()
    return future


async def _unless_stopped(
    work: Callable[[threading.Event], T], stop: asyncio.Event | None
) -> T | None:
    """work(abandoned) in a daemon thread; None, the thread abandoned, if stop is set first.

    `abandoned` is set once nobody waits for the work any more (it may end early then).
    """
    abandoned = threading.Event()
    reading = _in_daemon_thread(lambda: work(abandoned))
    waiters: list[asyncio.Future[Any]] = [reading]
    if stop is not None:
        waiters.append(asyncio.ensure_future(stop.wait()))
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not reading.done():
            abandoned.set()
        for waiter in waiters:
            waiter.cancel()  # no-op when done; else nobody wants its result any more
    return reading.result() if not reading.cancelled() else None


async def scan(
    store: Store,
    settings: Settings,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    stop: asyncio.Event | None = None,
) -> ScanResult:
    """Scan CONTENT_DIR once: record what changed and queue the posts now due.

    Unchanged files (same size and modification time) are not read again, so a rescan
    costs one lstat() per file. A malformed file is logged once per change and skipped.
    When `stop` is set before the files are read, the scan gives up: nothing is recorded
    and the result is empty (the next scan reads them).
    """
    root = settings.content_dir
    known = await store.file_fingerprints()
    read = await _unless_stopped(
        functools.partial(
            _read_changes,
            root,
            known,
            settings.timezone,
            settings.permalinks,
            settings.site_config is not None,
        ),
        stop,
    )
    if read is None:
        return ScanResult()
    present, files = read
    removed = sorted(path for path in known if path not in present)
    result = await store.apply_scan(
        files,
        removed,
        now or SYSTEM_CLOCK.now(),
        site_url=settings.site_url,
        breaking_tags=settings.breaking_tags,
        dry_run=dry_run,
        wait_until_live=settings.wait_until_live,
        corrections=settings.corrections,
        retractions=settings.retractions,
    )
    if not dry_run:
        for problem in result.malformed:
            logger.warning(
                "skipping malformed post %s: %s",
                problem.path,
                problem.reason,
                extra={"alert": AlertKind.MALFORMED_POST},
            )
        # Files are read only when they change, so each of these is said once per change.
        for seen_post in (f.post for f in files if isinstance(f.post, Post)):
            if seen_post.image is not None and seen_post.image_url(settings.site_url) is None:
                logger.warning(
                    "post %s: image %r is not an http(s) URL (nor made one by SITE_URL): "
                    "announced without it",
                    seen_post.path,
                    seen_post.image[:200],
                )
        for post in result.announced:
            log_announced(post)
        for due in result.waiting_live:
            logger.info(
                "%s is due: announced once %s answers (or in %g s)",
                due.path,
                due.url,
                settings.live_timeout,
            )
        if result.corrected or result.retracted:
            logger.info(
                "%d announced posts corrected, %d retracted: their notes sent will change",
                result.corrected,
                result.retracted,
            )
        if result.first_scan:
            logger.info(
                "first scan: %d published posts recorded as already announced",
                result.recorded_silently,
            )
    return result
