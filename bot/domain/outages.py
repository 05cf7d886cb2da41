"""Logging an outage once: one line when something starts failing, one when it works again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


def describe(exc: BaseException) -> str:
    """A one-line account of an error, without a traceback."""
    text = " ".join(str(exc).split())
    if len(text) > 200:
        text = text[:199] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class OutageLog:
    """Tracks one dependency (the database, say) for a loop that retries it.

    A loop that retries every second must not log every second: it reports the first
    failure, stays quiet while the failures go on, and reports the recovery.
    """

    def __init__(self, logger: logging.Logger, down: str, up: str) -> None:
        self.logger = logger
        self.down_message = down
        self.up_message = up
        self.down = False

    def failed(self, exc: BaseException) -> None:
        """It failed: log it if it was working until now."""
        if not self.down:
            self.down = True
            self.logger.warning("%s (%s)", self.down_message, describe(exc))

    def ok(self) -> None:
        """It worked: log the recovery if it was failing."""
        if self.down:
            self.down = False
            self.logger.info("%s", self.up_message)


class Throttled:
    """Logs a recurring warning at most once per `interval` seconds for each kind."""

    def __init__(
        self,
        logger: logging.Logger,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.interval = interval
        self.clock = clock
        self._last: dict[str, float] = {}

    def warning(self, kind: str, message: str, *args: object) -> bool:
        """Log unless the same kind was logged less than `interval` ago; True if logged."""
        now = self.clock()
        last = self._last.get(kind)
        if last is not None and now - last < self.interval:
            return False
        self._last[kind] = now
        self.logger.warning(message, *args)
        return True
