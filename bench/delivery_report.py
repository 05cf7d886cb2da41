"""bench/delivery.py's results: one measured run (`Run`) and the tables that print them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from benchlib import HeapPeak, print_table


@dataclass
class Run:
    """One way of sending, measured."""

    name: str
    recipients: int
    sent: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU (time.process_time) over the sending
    stats: dict[str, Any] = field(default_factory=dict)
    heap: HeapPeak | None = None
    rss_before_mib: float = 0.0
    rss_mib: float = 0.0
    note: str = ""
    ptb_log: Counter[str] = field(default_factory=Counter)  # PTB's rate limiter's log

    @property
    def complete(self) -> bool:
        return self.sent == self.recipients

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        """CPU milliseconds of this process per message sent."""
        return 1000 * self.cpu_seconds / self.sent if self.sent else 0.0


def report_paid(title: str, runs: Sequence[Run]) -> None:
    """Rate and CPU per message, with each one's ratio to newsbot's."""
    newsbot = runs[0]
    rows = [
        [
            run.name,
            f"{run.sent:,}/{run.recipients:,}",
            run.seconds,
            run.rate,
            f"{run.rate / newsbot.rate:.2f}" if newsbot.rate else "-",
            f"{run.cpu_ms:.3f}",
            f"{run.cpu_ms / newsbot.cpu_ms:.2f}" if newsbot.cpu_ms else "-",
            run.stats.get("max_per_second", "?"),
        ]
        for run in runs
    ]
    headers = ["sender", "sent", "seconds", "msgs/s", "x newsbot", "CPU ms/msg", "x newsbot"]
    print_table(title, [*headers, "fake max/s"], rows)
    for run in runs:
        if run.note:
            print(f"  {run.name}: {run.note}")
    print(
        f"  goals for newsbot: {newsbot.rate:.1f} msgs/s >= 950 {verdict(newsbot.rate >= 950)}; "
        f"{newsbot.cpu_ms:.3f} CPU ms/msg <= 0.5 {verdict(newsbot.cpu_ms <= 0.5)}"
    )


def report(title: str, runs: Sequence[Run], limit: float | None) -> None:
    headers = ["sender", "sent", "seconds", "msgs/s"]
    if limit is not None:
        headers.append(f"ratio to {limit:g}/s")
    headers += ["429s", "fake max/s", "peak heap MiB", "max RSS MiB before/after"]
    rows = []
    for run in runs:
        row: list[object] = [run.name, f"{run.sent:,}/{run.recipients:,}", run.seconds]
        row.append("traced" if run.heap else run.rate if run.complete else "aborted")
        if limit is not None:
            row.append(f"{run.rate / limit:.3f}" if run.complete else "-")
        row += [
            run.stats.get("rejected_429", "?"),
            run.stats.get("max_per_second", "?"),
            f"{run.heap.mib:.1f}" if run.heap else "-",
            f"{run.rss_before_mib:.1f}/{run.rss_mib:.1f}",
        ]
        rows.append(row)
    print_table(title, headers, rows)
    for run in runs:
        accepted = run.stats.get("sent")
        if accepted != run.sent:
            print(f"  {run.name}: the fake accepted {accepted} messages")
        if run.note:
            print(f"  {run.name}: {run.note}")
        for message, count in sorted(run.ptb_log.items()):
            print(f"  {run.name}: PTB logged {count} x {message!r}")


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"
