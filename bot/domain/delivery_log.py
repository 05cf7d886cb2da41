"""What was sent, when, and what failed and why: the rows of `newsbot deliveries`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.states import DeliveryState

# The states of a row that did not get through: failed (refused, or too many tries) and dead
# (the chat blocked the bot, stopped it or moved).
NOT_DELIVERED = (DeliveryState.FAILED, DeliveryState.DEAD)
ERROR_WIDTH = 60


@dataclass(frozen=True)
class DeliveryQuery:
    """Which rows to show, newest first."""

    failed_only: bool = False
    post_path: str | None = None
    broadcast_id: int | None = None
    chat_id: int | None = None
    limit: int = 50


@dataclass(frozen=True)
class DeliveryRecord:
    """One outbox row as the operator sees it."""

    id: int
    chat_id: int
    post_path: str | None
    broadcast_id: int | None
    status: DeliveryState
    attempts: int
    queued_at: datetime
    sent_at: datetime | None
    error: str | None

    @property
    def what(self) -> str:
        if self.broadcast_id is not None:
            return f"broadcast {self.broadcast_id}"
        return f"post {self.post_path or '?'}"

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "chat_id": self.chat_id,
            "post": self.post_path,
            "broadcast": self.broadcast_id,
            "status": self.status.value,
            "attempts": self.attempts,
            "queued_at": self.queued_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "error": self.error,
        }


def table(records: list[DeliveryRecord]) -> str:
    """A plain text table, one row per delivery (errors on one line, shortened)."""
    head = ("ID", "QUEUED (UTC)", "SENT (UTC)", "CHAT", "WHAT", "STATUS", "TRIES", "ERROR")
    rows = [head] + [
        (
            str(r.id),
            _when(r.queued_at),
            _when(r.sent_at),
            str(r.chat_id),
            r.what,
            r.status.value,
            str(r.attempts),
            _short(r.error or ""),
        )
        for r in records
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ERROR_WIDTH else text[: ERROR_WIDTH - 1] + "…"
