"""Is this process healthy? The facts a health check gathers, and the verdict on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.states import BroadcastState

# A scan is overdue past this many SCAN_INTERVALs, plus a margin for a long (cold) scan.
SCAN_OVERDUE_INTERVALS = 3
SCAN_OVERDUE_MARGIN = 60.0


@dataclass(frozen=True)
class OutboxSummary:
    """The outbox at a glance, from the database: cheap enough for every scrape."""

    pending: int = 0
    oldest_pending: datetime | None = None
    broadcasts: dict[BroadcastState, int] = field(default_factory=dict)

    def oldest_age(self, now: datetime) -> float | None:
        """Seconds the oldest row still to send has waited, or None when none waits."""
        if self.oldest_pending is None:
            return None
        return max(0.0, (now - self.oldest_pending).total_seconds())


@dataclass(frozen=True)
class HealthFacts:
    """What a health check saw in this process at one moment."""

    role: str  # "polling", "webhook", "standby" (another process polls and scans), "worker"
    updates_alive: bool  # polling (or the webhook's application) is running, when it should
    scan_interval: float
    since_last_scan: float | None  # None: this process does not scan
    database_error: str | None = None
    outbox: OutboxSummary | None = None


def problems(facts: HealthFacts) -> list[str]:
    """What is wrong, in words for an operator; empty when healthy."""
    found = []
    if facts.database_error is not None:
        found.append(f"database unreachable: {facts.database_error}")
    if not facts.updates_alive:
        found.append(f"{facts.role} is not running: Telegram's updates are not taken")
    overdue = SCAN_OVERDUE_INTERVALS * facts.scan_interval + SCAN_OVERDUE_MARGIN
    if facts.since_last_scan is not None and facts.since_last_scan > overdue:
        found.append(
            f"no scan for {facts.since_last_scan:.0f} s (SCAN_INTERVAL is "
            f"{facts.scan_interval:g} s)"
        )
    return found


def report(facts: HealthFacts, now: datetime) -> dict[str, object]:
    """The health check's JSON body: the facts, and what is wrong if anything."""
    outbox = facts.outbox
    age = outbox.oldest_age(now) if outbox else None
    found = problems(facts)
    return {
        "ok": not found,
        "problems": found,
        "database": facts.database_error is None,
        "role": facts.role,
        "updates": facts.updates_alive,
        "seconds_since_last_scan": _rounded(facts.since_last_scan),
        "notes_pending": outbox.pending if outbox else None,
        "oldest_pending_seconds": _rounded(age),
    }


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)
