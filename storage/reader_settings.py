"""Queries on chats' settings (chat_settings): read, save, and which chats hold notes now."""

from __future__ import annotations

import logging
from datetime import datetime, time, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.schedules import (
    ChatSettings,
    DigestMode,
    DigestSchedule,
    QuietHours,
    Timing,
)
from storage.models import ChatSettings as Row

logger = logging.getLogger(__name__)


def zone_of(name: str | None, default: tzinfo) -> tzinfo:
    """The zone a chat's settings name, or `default` (also for a name tzdata no longer has)."""
    if name is None:
        return default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown time zone %r in the database: using the default", name)
        return default


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _time(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def from_columns(
    timezone: str | None,
    digest_mode: str,
    digest_minute: int,
    digest_weekday: int,
    quiet_start: int | None,
    quiet_end: int | None,
    previews: bool,
) -> ChatSettings:
    """The domain's settings from the columns of a chat_settings row."""
    quiet = (
        None
        if quiet_start is None or quiet_end is None
        else QuietHours(_time(quiet_start), _time(quiet_end))
    )
    digest = DigestSchedule(DigestMode(digest_mode), _time(digest_minute), digest_weekday)
    return ChatSettings(timezone, digest, quiet, previews)


# The columns from_columns reads, in its order: also what the release job groups chats by.
SCHEDULE_COLUMNS = (
    Row.timezone,
    Row.digest_mode,
    Row.digest_minute,
    Row.digest_weekday,
    Row.quiet_start,
    Row.quiet_end,
    Row.previews,
)


def to_columns(settings: ChatSettings) -> dict[str, Any]:
    """The columns of a chat_settings row for the domain's settings."""
    quiet = settings.quiet
    return {
        "timezone": settings.timezone,
        "digest_mode": settings.digest.mode.value,
        "digest_minute": _minutes(settings.digest.at),
        "digest_weekday": settings.digest.weekday,
        "quiet_start": None if quiet is None else _minutes(quiet.start),
        "quiet_end": None if quiet is None else _minutes(quiet.end),
        "previews": settings.previews,
    }


async def get(session: AsyncSession, chat_id: int) -> ChatSettings:
    """The chat's settings (the defaults when it never chose)."""
    row = (await session.execute(select(*SCHEDULE_COLUMNS).where(Row.chat_id == chat_id))).first()
    return ChatSettings() if row is None else from_columns(*row)


async def save(
    session: AsyncSession, chat_id: int, settings: ChatSettings, timing: Timing, now: datetime
) -> None:
    """Store the chat's settings and the moments they next act at (the chat must exist)."""
    values = {
        **to_columns(settings),
        "release_at": timing.release_at,
        "quiet_from": timing.quiet_from,
        "quiet_until": timing.quiet_until,
        "updated_at": now,
    }
    row = await session.get(Row, chat_id)
    if row is None:
        session.add(Row(chat_id=chat_id, **values))
    else:
        for name, value in values.items():
            setattr(row, name, value)


def holding(now: datetime) -> ColumnElement[bool]:
    """The chats whose new notes are held now: digest chats, and chats in quiet hours."""
    return or_(
        Row.digest_mode != DigestMode.OFF.value,
        and_(Row.quiet_from <= now, Row.quiet_until > now),
    )


async def any_holding(session: AsyncSession, now: datetime) -> bool:
    """Whether any chat holds its notes now: without one, a post's fan-out is one statement."""
    return bool(await session.scalar(select(exists().where(holding(now)))))


def not_holding(now: datetime) -> ColumnElement[bool]:
    """The opposite of `holding(now)`, true for a chat without settings (an outer join's NULLs)."""
    return or_(
        Row.chat_id.is_(None),
        and_(
            Row.digest_mode == DigestMode.OFF.value,
            or_(Row.quiet_from.is_(None), Row.quiet_from > now, Row.quiet_until <= now),
        ),
    )


async def copy(session: AsyncSession, old_id: int, new_id: int) -> None:
    """Give chat `new_id` the settings of chat `old_id` unless it has its own (a migration)."""
    old = await session.get(Row, old_id)
    if old is None or await session.get(Row, new_id) is not None:
        return
    values = {c.key: getattr(old, c.key) for c in Row.__table__.columns if c.key != "chat_id"}
    session.add(Row(chat_id=new_id, **values))
