"""The services handlers and jobs reach through their context."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.domain.clock import SYSTEM_CLOCK, Clock
from bot.domain.outages import OutageLog
from bot.domain.pacing import RateLimiter
from bot.messaging.sender import Sender
from bot.scanning.git import GitContent
from bot.settings import Settings
from bot.telemetry import Metrics
from storage.store import Store

logger = logging.getLogger("bot.messaging.jobs")


@dataclass
class Services:
    """What the bot works with, built once at start-up (by bot.assembly)."""

    settings: Settings
    store: Store
    limiter: RateLimiter
    sender: Sender
    # Every "now" the bot decides by (tests move it: tests/support/clock.py).
    clock: Clock = SYSTEM_CLOCK
    # Set when the process begins to stop: a scan still reading files gives up.
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    # True while this process holds the poller lock: it polls, scans and reports.
    leading: bool = False
    content_missing: bool = False
    # Held during a scan: the scan that follows a takeover must not overlap the periodic one.
    scanning: asyncio.Lock = field(default_factory=asyncio.Lock)
    # The scheduled jobs' view of the database: one line when it goes away, one when back.
    jobs_database: OutageLog = field(
        default_factory=lambda: OutageLog(
            logger,
            "database unreachable: scans and broadcast reports wait until it is back",
            "database back: scanning again",
        )
    )
    # The clone of CONTENT_GIT, pulled before each scan (None: CONTENT_DIR is read as it is).
    content_repo: GitContent | None = None
    # Last progress shown per broadcast, so the report is edited only when it changes.
    shown_progress: dict[int, str] = field(default_factory=dict)
    # This process's counters and timings (served on GET /metrics when HTTP_PORT is set).
    metrics: Metrics = field(default_factory=Metrics)
    # When this process last finished a scan, and since when it holds the poller role.
    last_scan_at: datetime | None = None
    leading_since: datetime | None = None
    # Set by request_scan() (the publish hook, a file watcher): scan now, not at the interval.
    scan_requested: asyncio.Event = field(default_factory=asyncio.Event)

    def request_scan(self) -> None:
        """Ask the process holding the poller role to scan now (if this is it)."""
        self.scan_requested.set()


class NewsContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to the bot's services."""

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def now(self) -> datetime:
        """The services' clock: the time every decision of a handler is taken at."""
        return self.services.clock.now()


NewsApplication = Application[
    ExtBot[None], NewsContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]
