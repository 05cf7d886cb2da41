"""When a scheduled broadcast starts: "YYYY-MM-DD HH:MM" in a time zone, to a UTC instant."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# How far ahead a broadcast may be scheduled (a typo such as 2062 for 2026 is refused).
MAX_DAYS_AHEAD = 366


def send_time(text: str, zone: ZoneInfo) -> datetime | None:
    """The UTC instant `text` ("YYYY-MM-DD HH:MM", local to `zone`) names; None if none."""
    try:
        local = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")  # noqa: DTZ007 - zone below
        return local.replace(tzinfo=zone).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def too_far(when: datetime, now: datetime) -> bool:
    return (when - now).days > MAX_DAYS_AHEAD


def local_time(when: datetime, zone: ZoneInfo) -> str:
    """`when` as an admin reads it: "YYYY-MM-DD HH:MM Zone"."""
    return f"{when.astimezone(zone):%Y-%m-%d %H:%M} {zone.key}"
