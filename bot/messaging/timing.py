"""Timing each update's handling for the metrics, through PTB's update-processor hook."""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import Any

from telegram.ext import BaseUpdateProcessor

from bot.telemetry import Metrics


class TimedUpdates(BaseUpdateProcessor):
    """Handles updates as PTB's default does (one at a time), observing how long each took."""

    def __init__(self, metrics: Metrics, max_concurrent_updates: int = 1) -> None:
        super().__init__(max_concurrent_updates)
        self.metrics = metrics

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        started = time.perf_counter()
        try:
            await coroutine
        finally:
            self.metrics.update_seconds.observe(time.perf_counter() - started)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
