"""What time it is: the one source of "now" for every decision the bot takes.

Leases, retries, digests, quiet hours, scheduled broadcasts and embargoes all ask a `Clock`, so a
test can move time forward instead of waiting for it (tests/support/clock.py). Times are aware,
in UTC; a reader's time zone is applied where a time is shown or a local hour is meant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


SYSTEM_CLOCK: Clock = SystemClock()
