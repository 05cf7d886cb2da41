"""Watching CONTENT_DIR for file events, so that a new post is scanned at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from watchfiles import Change, DefaultFilter, awatch

from bot.domain.waiting import sleep_unless
from bot.scanning.files import POST_SUFFIXES

logger = logging.getLogger(__name__)

# watchfiles yields once no new event came for STEP ms, or after DEBOUNCE ms of events: an
# editor writing a few files, or a `git pull` touching hundreds, is one scan.
STEP_MS = 50
DEBOUNCE_MS = 1000
# Seconds before watching again after the watcher failed while running.
RETRY_SECONDS = 5.0


class PostEvents(DefaultFilter):
    """Events that can change what the posts are: post files, and folders (no suffix).

    A site build rewriting `_site/`, say, is not worth a scan.
    """

    def __call__(self, change: Change, path: str) -> bool:
        suffix = PurePosixPath(path).suffix.lower()
        return super().__call__(change, path) and (not suffix or suffix in POST_SUFFIXES)


async def watch_content(
    folder: Path, changed: Callable[[], None], stop: asyncio.Event, *, poll_seconds: float
) -> None:
    """Call `changed()` after each batch of file events under `folder`, until `stop` is set.

    Where the file system gives no events (some network file systems, an exhausted inotify
    limit), say so once and poll the folder every `poll_seconds` instead.
    """
    polling = False
    while not stop.is_set():
        try:
            async for _ in awatch(
                folder,
                watch_filter=PostEvents(),
                debounce=DEBOUNCE_MS,
                step=STEP_MS,
                stop_event=stop,
                force_polling=polling,
                poll_delay_ms=int(poll_seconds * 1000),
                ignore_permission_denied=True,
            ):
                changed()
            return
        except FileNotFoundError:
            # The periodic scan reports a missing CONTENT_DIR; watch once it exists.
            await sleep_unless(stop, RETRY_SECONDS)
        except (OSError, RuntimeError) as exc:  # RuntimeError: watchfiles' internal errors
            if polling:
                raise
            polling = True
            logger.warning(
                "no file events for %s (%s): looking for changes every %g s instead",
                folder,
                exc,
                poll_seconds,
            )
