"""When a chat hears from the bot: its settings (time zone, digest, quiet hours, previews), and
the pure functions that turn them into moments (the next digest, the quiet window).

Times a reader types are local wall-clock times in the chat's time zone; every moment this
module returns is aware and in UTC. A local time that does not exist (the hour skipped when
clocks go forward) is read with the offset before the change, so it falls an hour later; a
local time that happens twice (clocks go back) means its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from bot.domain.topics import TopicInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # datetime.weekday() order
DEFAULT_DIGEST_TIME = time(8, 0)
DEFAULT_QUIET = (time(22, 0), time(7, 0))


class DigestMode(StrEnum):
    """How a chat gets its notes: each at once (instant), or in one message a day or a week.

    The values are stored in chat_settings.digest_mode.
    """

    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"


class SummaryKind(StrEnum):
    """Why held notes go out together: a digest, or the end of a hold (quiet hours over).

    The values are stored in deliveries.summary.
    """

    DIGEST = "digest"
    HELD = "held"


@dataclass(frozen=True)
class DigestSchedule:
    """Off, daily at `at`, or weekly on `weekday` (0 = Monday) at `at`; `at` is local."""

    mode: DigestMode = DigestMode.OFF
    at: time = DEFAULT_DIGEST_TIME
    weekday: int = 0

    @property
    def on(self) -> bool:
        return self.mode != DigestMode.OFF


@dataclass(frozen=True)
class QuietHours:
    """A daily window of local time from `start` to `end` (past midnight when end < start)."""

    start: time
    end: time


@dataclass(frozen=True)
class ChatSettings:
    """A chat's choices; a chat that never chose has these defaults.

    `timezone` is an IANA name, or None for the bot's TIMEZONE setting.
    """

    timezone: str | None = None
    digest: DigestSchedule = DigestSchedule()
    quiet: QuietHours | None = None
    previews: bool = True

    def with_change(self, change: SettingChange) -> ChatSettings:
        """These settings with one choice changed."""
        if isinstance(change, TimezoneChange):
            return replace(self, timezone=change.name)
        if isinstance(change, DigestSchedule):
            return replace(self, digest=change)
        if isinstance(change, QuietChange):
            return replace(self, quiet=change.quiet)
        return replace(self, previews=change.on)


@dataclass(frozen=True)
class TimezoneChange:
    name: str


@dataclass(frozen=True)
class QuietChange:
    quiet: QuietHours | None  # None: quiet hours off


@dataclass(frozen=True)
class PreviewsChange:
    on: bool


SettingChange = TimezoneChange | DigestSchedule | QuietChange | PreviewsChange


@dataclass(frozen=True)
class Timing:
    """What the database keeps to act on a chat's settings without computing them in SQL.

    `release_at`: when its held notes go out next (the digest, the end of the quiet window);
    None when nothing is scheduled. `quiet_from`/`quiet_until`: the current or next quiet
    window (notes announced inside it are held); None without quiet hours.
    """

    release_at: datetime | None
    quiet_from: datetime | None
    quiet_until: datetime | None


@dataclass(frozen=True)
class HeldPost:
    """A post a summary lists: what its line (or, alone, its normal note) shows."""

    title: str
    url: str
    topics: tuple[TopicInfo, ...]
    excerpt: str = ""
    image_url: str | None = None


def local_moment(day: date, at: time, zone: tzinfo) -> datetime:
    """The UTC moment of the local time `at` on `day` in `zone` (first one if twice)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def next_digest(schedule: DigestSchedule, zone: tzinfo, now: datetime) -> datetime | None:
    """The first moment after `now` the chat's digest is due; None when digests are off."""
    if not schedule.on:
        return None
    today = now.astimezone(zone).date()
    for days in range(-1, 9):
        day = today + timedelta(days=days)
        if schedule.mode == DigestMode.WEEKLY and day.weekday() != schedule.weekday:
            continue
        moment = local_moment(day, schedule.at, zone)
        if moment > now:
            return moment
    raise AssertionError("a week always holds the weekday")  # pragma: no cover


def quiet_window(
    quiet: QuietHours, zone: tzinfo, now: datetime
) -> tuple[datetime, datetime] | None:
    """The quiet window (start, end) holding `now`, else the next one; None for an empty window."""
    if quiet.start == quiet.end:
        return None
    today = now.astimezone(zone).date()
    for days in range(-1, 3):
        day = today + timedelta(days=days)
        end_day = day if quiet.end > quiet.start else day + timedelta(days=1)
        start, end = local_moment(day, quiet.start, zone), local_moment(end_day, quiet.end, zone)
        if start < end and end > now:
            return start, end
    return None  # pragma: no cover - a window that never has positive length


def in_quiet_hours(quiet: QuietHours | None, zone: tzinfo, now: datetime) -> bool:
    """Whether `now` falls inside the chat's quiet hours."""
    window = None if quiet is None else quiet_window(quiet, zone, now)
    return window is not None and window[0] <= now < window[1]


def timing(settings: ChatSettings, zone: tzinfo, now: datetime, *, holding: bool) -> Timing:
    """When the chat's held notes go next, and its quiet window, seen from `now`.

    `holding`: whether notes are held for the chat now. A digest chat's go with its next
    digest; otherwise at the end of the quiet window the chat is in, else at once (a flush,
    say after /digest off).
    """
    window = None if settings.quiet is None else quiet_window(settings.quiet, zone, now)
    quiet_from, quiet_until = window if window is not None else (None, None)
    release = next_digest(settings.digest, zone, now)
    if release is None:
        inside = quiet_from is not None and quiet_from <= now
        release = now if holding and not inside else quiet_until
    return Timing(release, quiet_from, quiet_until)
