"""Queries on held notes (held_items) and their release as summary deliveries.

A post announced to a chat that holds its notes (a digest chat, a chat in quiet hours) becomes
a held item instead of a delivery (storage.outbox.queue_post). When the chat's release_at comes,
`release_due` writes one summary delivery per chat (unique per chat and period: a second
release of the same period, by another process or after a restart, writes nothing) and hands
it the chat's waiting items, in one transaction; then it works out each chat's next moments.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import JSON, case, delete, exists, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.outbox import DeliveryJob
from bot.domain.schedules import DigestMode, HeldPost, SummaryKind, timing
from bot.domain.states import ChatState
from bot.domain.topics import TopicInfo
from storage import catalogue
from storage.models import Chat, Delivery, HeldItem
from storage.models import ChatSettings as SettingsRow
from storage.reader_settings import SCHEDULE_COLUMNS, from_columns, zone_of

logger = logging.getLogger(__name__)

# Two releases at once (two processes, PostgreSQL) would only wait for each other's rows.
_RELEASE_LOCK = 0x6E657773_72656C  # "newsrel"


async def waiting(session: AsyncSession, chat_id: int) -> int:
    """How many posts are held for the chat and not yet in a summary."""
    count = await session.scalar(
        select(func.count())
        .select_from(HeldItem)
        .where(HeldItem.chat_id == chat_id, HeldItem.delivery_id.is_(None))
    )
    return int(count or 0)


async def drop_waiting(session: AsyncSession, chat_id: int) -> None:
    """Forget what is held for the chat (it stopped or blocked the bot)."""
    await session.execute(
        delete(HeldItem).where(HeldItem.chat_id == chat_id, HeldItem.delivery_id.is_(None))
    )


async def move_waiting(session: AsyncSession, old_id: int, new_id: int) -> None:
    """Readdress what is held for chat `old_id` to chat `new_id` (a migration)."""
    there = select(HeldItem.post_id).where(HeldItem.chat_id == new_id)
    await session.execute(
        update(HeldItem)
        .where(
            HeldItem.chat_id == old_id,
            HeldItem.delivery_id.is_(None),
            HeldItem.post_id.not_in(there),
        )
        .values(chat_id=new_id)
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
    has_waiting = exists().where(
        HeldItem.chat_id == SettingsRow.chat_id, HeldItem.delivery_id.is_(None)
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
        .where(due, Chat.status == ChatState.ACTIVE, has_waiting)
    )
    columns = ["chat_id", "summary", "period", "topics", "status", "attempts", "not_before"]
    columns.append("created_at")
    statement = _insert(session)(Delivery).from_select(columns, summaries)
    result = await session.execute(statement.on_conflict_do_nothing())
    released = int(result.rowcount)  # type: ignore[attr-defined]
    if released:
        await session.execute(
            update(HeldItem)
            .where(
                HeldItem.delivery_id.is_(None),
                HeldItem.chat_id == Delivery.chat_id,
                Delivery.chat_id == SettingsRow.chat_id,
                Delivery.period == SettingsRow.release_at,
                due,
            )
            .values(delivery_id=Delivery.id)
            .execution_options(synchronize_session=False)
        )
    await _reschedule(session, now, default_zone)
    return released


async def _reschedule(session: AsyncSession, now: datetime, default_zone: tzinfo) -> None:
    """Work out the next moments of the chats whose release or quiet window has passed.

    Chats with the same settings get the same moments: one UPDATE per distinct settings.
    """
    passed = or_(SettingsRow.release_at <= now, SettingsRow.quiet_until <= now)
    groups = (await session.execute(select(*SCHEDULE_COLUMNS).where(passed).distinct())).all()
    for group in groups:
        settings = from_columns(*group)
        moments = timing(settings, zone_of(settings.timezone, default_zone), now, holding=False)
        same = [
            column.is_(None) if value is None else column == value
            for column, value in zip(SCHEDULE_COLUMNS, group, strict=True)
        ]
        await session.execute(
            update(SettingsRow)
            .where(passed, *same)
            .values(
                release_at=moments.release_at,
                quiet_from=moments.quiet_from,
                quiet_until=moments.quiet_until,
            )
            .execution_options(synchronize_session=False)
        )


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
    """The posts of each summary delivery, oldest announcement first."""
    rows = (
        await session.execute(
            select(HeldItem.delivery_id, HeldItem.post_id, HeldItem.topics)
            .where(HeldItem.delivery_id.in_(delivery_ids))
            .order_by(HeldItem.id)
        )
    ).all()
    posts = await catalogue.contents(session, {row.post_id for row in rows})
    found: dict[int, list[HeldPost]] = {}
    for delivery_id, post_id, keys in rows:
        assert delivery_id is not None
        title, excerpt, url, image_url, names = posts[post_id]
        topics = tuple(TopicInfo(k, names.get(k, k)) for k in sorted(k for k in keys if k))
        post = HeldPost(title, url, topics, excerpt, image_url)
        found.setdefault(delivery_id, []).append(post)
    return {delivery_id: tuple(posts) for delivery_id, posts in found.items()}
