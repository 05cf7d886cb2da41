"""Admins' broadcasts: a broadcast, and how far its deliveries have got."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.states import BroadcastState


@dataclass(frozen=True)
class BroadcastInfo:
    """An admin broadcast and where its progress report lives."""

    id: int
    html: str
    topic: str | None
    state: BroadcastState
    admin_id: int
    preview_chat_id: int | None
    preview_message_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    photo: str | None = None  # a Telegram file_id or an http(s) URL
    send_at: datetime | None = None  # when a scheduled broadcast starts


@dataclass(frozen=True)
class Progress:
    """How far the deliveries of one broadcast have got."""

    sent: int = 0
    blocked: int = 0
    failed: int = 0
    remaining: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.blocked + self.failed + self.remaining

    @property
    def done(self) -> bool:
        return self.remaining == 0
