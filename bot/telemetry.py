"""Metrics: the counters and timings of one process, in its own Prometheus registry.

Each process (`newsbot run`, each `newsbot worker`) counts what it did itself and serves it on
its own HTTP_PORT; Prometheus scrapes every process and sums (`sum by (kind, outcome)`). The
gauges read from the database at scrape time (the outbox, the broadcasts) are the same from
every process. No multiprocess mode (PROMETHEUS_MULTIPROC_DIR) is needed: no two processes
share one port.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.domain.health import OutboxSummary
from bot.domain.outbox import DeliveryJob, Failed, Outcome, Retry, Sent


class Metrics:
    """Every metric newsbot exports, registered in a registry of this process's own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.notes = Counter(
            "newsbot_notes",
            "Send attempts of outbox rows, by kind (post, broadcast) and outcome",
            ["kind", "outcome"],
            registry=r,
        )
        self.retry_after = Counter(
            "newsbot_telegram_429", "429 Too Many Requests answers from Telegram", registry=r
        )
        self.retry_after_wait = Counter(
            "newsbot_telegram_429_wait_seconds",
            "Seconds Telegram asked us to wait, added up",
            registry=r,
        )
        self.outbox_pending = Gauge(
            "newsbot_outbox_pending", "Outbox rows still to send (database-wide)", registry=r
        )
        self.outbox_oldest = Gauge(
            "newsbot_outbox_oldest_pending_seconds",
            "Age of the oldest outbox row still to send (0 when none)",
            registry=r,
        )
        self.scan_duration = Histogram(
            "newsbot_scan_duration_seconds",
            "Duration of scans of CONTENT_DIR",
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
            registry=r,
        )
        self.last_scan = Gauge(
            "newsbot_last_scan_timestamp_seconds",
            "When this process last finished a scan (Unix time; 0: never)",
            registry=r,
        )
        self.update_seconds = Histogram(
            "newsbot_update_handling_seconds",
            "Time to handle one update from Telegram",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self.broadcasts = Gauge(
            "newsbot_broadcasts", "Broadcasts by state (database-wide)", ["state"], registry=r
        )

    def note(self, job: DeliveryJob, outcome: Outcome | None) -> None:
        """Count one send attempt by what it was and what it came to."""
        kind = "broadcast" if job.broadcast_id is not None else "post"
        self.notes.labels(kind=kind, outcome=outcome_label(outcome)).inc()

    def told_to_wait(self, seconds: float) -> None:
        self.retry_after.inc()
        self.retry_after_wait.inc(seconds)

    def scanned(self, seconds: float, finished: datetime) -> None:
        self.scan_duration.observe(seconds)
        self.last_scan.set(finished.timestamp())

    def render(self, outbox: OutboxSummary | None, now: datetime) -> bytes:
        """The text format, with the database's gauges set from `outbox` (None: left as is)."""
        if outbox is not None:
            self.outbox_pending.set(outbox.pending)
            self.outbox_oldest.set(outbox.oldest_age(now) or 0.0)
            for state, count in outbox.broadcasts.items():
                self.broadcasts.labels(state=state.value).set(count)
        return generate_latest(self.registry)


def outcome_label(outcome: Outcome | None) -> str:
    """A send attempt's end (deferred: by a rate limit; dropped: the chat left or moved)."""
    if isinstance(outcome, Sent):
        return "sent"
    if isinstance(outcome, Retry):
        return "retry" if outcome.count else "deferred"
    if isinstance(outcome, Failed):
        return "failed"
    return "dropped"
