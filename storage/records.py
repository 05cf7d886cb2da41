"""Plain data the store takes and returns: no ORM rows leave storage/."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.posts import MalformedPost, Post


@dataclass(frozen=True)
class TopicInfo:
    """A topic as users see it: its key and its display name."""

    key: str
    name: str


@dataclass(frozen=True)
class TopicCount:
    """A known topic with the number of posts that carry it."""

    key: str
    name: str
    posts: int


@dataclass(frozen=True)
class TopicFollowers:
    """A topic with the number of chats that follow it."""

    key: str
    name: str
    chats: int


@dataclass(frozen=True)
class FileSeen:
    """One file found by a scan whose size or modification time changed."""

    path: str
    mtime_ns: int
    size: int
    post: Post | MalformedPost


@dataclass(frozen=True)
class Announcement:
    """A post that a scan decided to announce, and to how many chats."""

    path: str
    title: str
    url: str
    recipients: int


@dataclass(frozen=True)
class Scheduled:
    """A published post whose date is still to come: announced when it passes."""

    path: str
    date: datetime


@dataclass
class ScanResult:
    """What one scan changed."""

    first_scan: bool = False
    files_read: int = 0
    malformed: list[MalformedPost] = field(default_factory=list)
    removed: int = 0
    recorded_silently: int = 0
    announced: list[Announcement] = field(default_factory=list)
    scheduled: list[Scheduled] = field(default_factory=list)


@dataclass(frozen=True)
class DeliveryJob:
    """A claimed outbox row with everything needed to render and send it."""

    id: int
    chat_id: int
    attempts: int
    post_id: int | None
    broadcast_id: int | None
    # Post deliveries:
    title: str = ""
    excerpt: str = ""
    url: str = ""
    image_url: str | None = None
    topics: tuple[TopicInfo, ...] = ()
    # Broadcast deliveries:
    html: str = ""


@dataclass(frozen=True)
class Sent:
    """Telegram accepted the message."""

    delivery_id: int
    message_id: int


@dataclass(frozen=True)
class Retry:
    """Send again later; `count` is False when Telegram only asked us to slow down."""

    delivery_id: int
    not_before: datetime
    error: str
    count: bool = True


@dataclass(frozen=True)
class Failed:
    """Give up on this row: a permanent error, or too many attempts."""

    delivery_id: int
    error: str


Outcome = Sent | Retry | Failed


@dataclass(frozen=True)
class BroadcastInfo:
    """An admin broadcast and where its progress report lives."""

    id: int
    html: str
    topic: str | None
    state: str
    admin_id: int
    preview_chat_id: int | None
    preview_message_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


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


@dataclass(frozen=True)
class Stats:
    """The numbers /stats shows."""

    chats: dict[str, int]
    subscriptions: list[TopicFollowers]
    deliveries: dict[str, int]
