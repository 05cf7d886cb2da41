"""Queries on held notes (held_items) and their release as summary deliveries.

A post announced to a chat that holds its notes (a digest chat, a chat in quiet hours) becomes
a held item instead of a delivery (storage.outbox.queue_post), marked with the period it waits
for: its chat's release_at. When that moment comes, `release_due` writes one summary delivery
per chat with items for it (unique per chat and period: a second release of the same period, by
another process or after a restart, writes nothing) and works out each chat's next moments, in
one transaction. The summary of (chat, period) lists that chat's items of that period; an item
waits while no summary of its period exists.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    and_,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.outbox import DeliveryJob
from bot.domain.schedules import DigestMode, HeldPost, SummaryKind, timing
from bot.domain.states import ChatState
from bot.domain.topics import TopicInfo
from storage import catalogue
from storage.models import Chat, Delivery, HeldItem, UTCDateTime
from storage.models import ChatSettings as SettingsRow
from storage.reader_settings import SCHEDULE_COLUMNS, from_columns, zone_of

logger = logging.getLogger(__name__)

# Two releases at once (two processes, PostgreSQL) would only wait for each other's rows.
_RELEASE_LOCK = 0x6E657773_72656C  # "newsrel"
# Distinct settings rescheduled by one UPDATE (a CASE of this many branches per column).
GROUPS_PER_UPDATE = 50


def _waiting() -> ColumnElement[bool]:
    """Held items no summary took yet: none exists for their chat and period."""
    return ~exists().where(Delivery.chat_id == HeldItem.chat_id, Delivery.period == HeldItem.period)


async def waiting(session: AsyncSession, chat_id: int) -> int:
    """How many posts are held for the chat and not yet in a summary."""
    count = await session.scalar(
        select(func.count()).select_from(HeldItem).where(HeldItem.chat_id == chat_id, _waiting())
    )
    return int(count or 0)


async def wait_for(session: AsyncSession, chat_id: int, period: datetime) -> None:
    """What is held for the chat now waits for its summary of `period` (its settings changed)."""
    await session.execute(
        update(HeldItem)
        .where(HeldItem.chat_id == chat_id, _waiting())
        .values(period=period)
        .execution_options(synchronize_session=False)
    )


async def drop_waiting(session: AsyncSession, chat_id: int) -> None:
    """Forget what is held for the chat (it stopped or blocked the bot)."""
    await session.execute(
        delete(HeldItem)
        .where(HeldItem.chat_id == chat_id, _waiting())
        .execution_options(synchronize_session=False)
    )


async def move_waiting(session: AsyncSession, old_id: int, new_id: int) -> None:
    """Readdress what is held for chat `old_id` to chat `new_id` (a migration)."""
    there = select(HeldItem.post_id).where(HeldItem.chat_id == new_id)
    await session.execute(
        update(HeldItem)
        .where(HeldItem.chat_id == old_id, _waiting(), HeldItem.post_id.not_in(there))
        .values(chat_id=new_id)
        .execution_options(synchronize_session=False)
    )


def _insert(session: AsyncSession) -> Any:
    """INSERT for this engine, with ON CONFLICT DO NOTHING."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


async def release_due(
    session: AsyncSession, now: datetime, default_zone: tzinfo, queued: list[Any]
) -> int:
    """Queue a summary for every chat whose release_at has come and that has posts waiting.

    `queued`: the columns every new outbox row starts with (storage.outbox). Returns how
    many summaries were queued.
    """
    if session.get_bind().dialect.name == "postgresql":
        locked = await session.scalar(select(func.pg_try_advisory_xact_lock(_RELEASE_LOCK)))
        if not locked:
            return 0
    due = SettingsRow.release_at <= now
    has_items = exists().where(
        HeldItem.chat_id == SettingsRow.chat_id, HeldItem.period == SettingsRow.release_at
    )
    kind = case(
        (SettingsRow.digest_mode != DigestMode.OFF.value, SummaryKind.DIGEST.value),
        else_=SummaryKind.HELD.value,
    )
    summaries = (
        select(
            SettingsRow.chat_id,
            kind.label("summary"),
            SettingsRow.release_at.label("period"),
            literal([], JSON).label("topics"),
            *queued,
        )
        .join(Chat, Chat.id == SettingsRow.chat_id)
        .where(due, Chat.status == ChatState.ACTIVE, has_items)
    )
    columns = ["chat_id", "summary", "period", "topics", "status", "attempts", "not_before"]
    columns.append("created_at")
    statement = _insert(session)(Delivery).from_select(columns, summaries)
    result = await session.execute(statement.on_conflict_do_nothing())
    released = int(result.rowcount)  # type: ignore[attr-defined]
    await _reschedule(session, now, default_zone)
    return released


async def _reschedule(session: AsyncSession, now: datetime, default_zone: tzinfo) -> None:
    """Work out the next moments of the chats whose release or quiet window has passed.

    Chats with the same settings get the same moments: they are worked out once per distinct
    settings, and written by one UPDATE per GROUPS_PER_UPDATE of those (a CASE per column).
    """
    passed = or_(SettingsRow.release_at <= now, SettingsRow.quiet_until <= now)
    groups = (await session.execute(select(*SCHEDULE_COLUMNS).where(passed).distinct())).all()
    for start in range(0, len(groups), GROUPS_PER_UPDATE):
        chunk = groups[start : start + GROUPS_PER_UPDATE]
        conditions = []
        columns: dict[str, list[tuple[ColumnElement[bool], Any]]] = {
            "release_at": [],
            "quiet_from": [],
            "quiet_until": [],
        }
        for group in chunk:
            settings = from_columns(*group)
            zone = zone_of(settings.timezone, default_zone)
            moments = timing(settings, zone, now, holding=False)
            same = and_(
                *(
                    column.is_(None) if value is None else column == value
                    for column, value in zip(SCHEDULE_COLUMNS, group, strict=True)
                )
            )
            conditions.append(same)
            for name, cases in columns.items():
                cases.append((same, _moment(getattr(moments, name))))
        only = [] if len(groups) <= GROUPS_PER_UPDATE else [or_(*conditions)]
        await session.execute(
            update(SettingsRow)
            .where(passed, *only)
            .values({name: case(*cases) for name, cases in columns.items()})
            .execution_options(synchronize_session=False)
        )


def _moment(value: datetime | None) -> Any:
    """A moment (or NULL) as a typed parameter: a CASE of bare NULLs is text to PostgreSQL."""
    return literal(value, UTCDateTime())


async def complete_jobs(
    session: AsyncSession,
    jobs: Sequence[DeliveryJob],
    summaries: dict[int, str],
    now: datetime,
) -> list[DeliveryJob]:
    """The claimed jobs with their chats' choices, and each summary with the posts it lists.

    `summaries`: the SummaryKind of each claimed summary row, by delivery id.
    """
    chats = {job.chat_id for job in jobs}
    choices = {
        chat_id: (previews, _inside(quiet_from, quiet_until, now))
        for chat_id, previews, quiet_from, quiet_until in await session.execute(
            select(
                SettingsRow.chat_id,
                SettingsRow.previews,
                SettingsRow.quiet_from,
                SettingsRow.quiet_until,
            ).where(SettingsRow.chat_id.in_(chats))
        )
    }
    items = await _items(session, list(summaries)) if summaries else {}
    completed = []
    for job in jobs:
        previews, silent = choices.get(job.chat_id, (True, False))
        kind = summaries.get(job.id)
        completed.append(
            replace(
                job,
                previews=previews,
                silent=silent,
                summary=None if kind is None else SummaryKind(kind),
                items=items.get(job.id, ()),
            )
        )
    return completed


def _inside(start: datetime | None, end: datetime | None, now: datetime) -> bool:
    return start is not None and end is not None and start <= now < end


async def _items(session: AsyncSession, delivery_ids: list[int]) -> dict[int, tuple[HeldPost, ...]]:
    """The posts of each summary delivery (its chat's items of its period), oldest first."""
    rows = (
        await session.execute(
            select(Delivery.id, HeldItem.post_id, HeldItem.topics)
            .join(
                HeldItem,
                and_(HeldItem.chat_id == Delivery.chat_id, HeldItem.period == Delivery.period),
            )
            .where(Delivery.id.in_(delivery_ids))
            .order_by(HeldItem.id)
        )
    ).all()
    posts = await catalogue.contents(session, {row.post_id for row in rows})
    found: dict[int, list[HeldPost]] = {}
    for delivery_id, post_id, keys in rows:
        title, excerpt, url, image_url, names, _breaking = posts[post_id]
        topics = tuple(TopicInfo(k, names.get(k, k)) for k in sorted(k for k in keys if k))
        post = HeldPost(title, url, topics, excerpt, image_url)
        found.setdefault(delivery_id, []).append(post)
    return {delivery_id: tuple(posts) for delivery_id, posts in found.items()}
