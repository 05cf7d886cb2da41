"""Accountability: the editorial actions the bot records, with who did them and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# The actor of an action taken from the command line (no Telegram user).
SHELL = 0
AUDIT_SHOWN = 20  # entries /audit and `newsbot audit` show


class AuditAction(StrEnum):
    """An editorial action; the value is what the audit table stores (at most 32 characters)."""

    BROADCAST_SENT = "broadcast sent"
    BROADCAST_STARTED = "broadcast started"
    BROADCAST_SCHEDULED = "broadcast scheduled"
    BROADCAST_CANCELLED = "broadcast cancelled"
    BROADCAST_EDITED = "broadcast edited"
    BROADCAST_RECALLED = "broadcast recalled"
    CHANNEL_ADDED = "channel added"
    CHANNEL_REMOVED = "channel removed"


@dataclass(frozen=True)
class AuditEntry:
    """One recorded action: `actor` is a Telegram user id, SHELL for the command line."""

    at: datetime
    actor: int
    action: str
    detail: str
