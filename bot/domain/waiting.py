"""Waiting for an event, or for a while: whichever comes first."""

from __future__ import annotations

import asyncio
import contextlib


async def sleep_unless(event: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds`, or less if `event` is set meanwhile; whether it is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
    return event.is_set()
