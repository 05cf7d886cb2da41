"""A clock the test moves: the machine's time plus an offset that only grows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ShiftedClock:
    """`now()` is the real time plus `offset`; `advance` and `jump_to` move it forward.

    Time keeps running (leases, timeouts and PTB's own timers stay sane), and a test that must
    see a digest at 08:00 or the end of quiet hours jumps there instead of sleeping.
    """

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta():
            raise ValueError("a clock only moves forward")
        self.offset += delta

    def jump_to(self, moment: datetime) -> None:
        """Move forward to `moment` (aware); refuse to go back."""
        self.advance(moment - self.now())
