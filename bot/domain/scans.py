"""What a scan of CONTENT_DIR found and did: files seen, posts announced or scheduled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.announcing import DuePost
from bot.domain.posts import MalformedPost, Post


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
    # Due posts now waiting for their page to answer (WAIT_UNTIL_LIVE), not yet announced.
    waiting_live: list[DuePost] = field(default_factory=list)
