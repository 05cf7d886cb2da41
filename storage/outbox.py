"""Queries on the outbox (deliveries): queueing posts and broadcasts, chats moved or gone, counts;
each takes a session (claims, leases and outcomes: storage.claims)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import JSON, Select, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.breaking import Priority
from bot.domain.channels import ALL_TOPICS
from bot.domain.states import LIVE_DELIVERY_STATES, ChatState, DeliveryState
from storage import chats, filters, held, reader_settings, threads
from storage.models import (
    Chat,
    ChatSettings,
    Delivery,
    HeldItem,
    PostTopic,
    Subscription,
    UTCDateTime,
)

_QUEUED = ["status", "attempts", "not_before", "created_at"]


def _queued(now: datetime) -> list[Any]:
    """The columns every new outbox row starts with: pending, due now."""
    return [
        literal(DeliveryState.PENDING.value).label("status"),
        literal(0).label("attempts"),
        literal(now, UTCDateTime()).label("not_before"),
        literal(now, UTCDateTime()).label("created_at"),
    ]


def recipients(session: AsyncSession, post_id: int) -> Select[Any]:
    """The active chats following any of the post's topics, their keyword filters permitting
    (storage.filters.allows; the post's words are recorded first), with the keys that matched.

    Columns: chat_id, thread_id (the forum topic; 0: the chat itself), topics (a JSON list).
    The one place that says who gets a post: queue_post splits it between chats that get the
    note now and chats that hold it.
    """
    # One aggregate, spelled per engine: the matched keys as a JSON list.
    as_json_list = (
        func.json_group_array if session.get_bind().dialect.name == "sqlite" else func.json_agg
    )
    return (
        select(
            Subscription.chat_id,
            Subscription.thread_id,
            as_json_list(Subscription.topic, type_=JSON).label("topics"),
        )
        .join(Chat, Chat.id == Subscription.chat_id)
        .where(
            # The post's topics, and "*": chats following every post (/subscribe all, channels).
            Subscription.topic.in_(
                select(PostTopic.topic)
                .where(PostTopic.post_id == post_id)
                .union_all(select(literal(ALL_TOPICS)))
            ),
            Chat.status == ChatState.ACTIVE,
            filters.allows(Subscription.chat_id, post_id),
        )
        .group_by(Subscription.chat_id, Subscription.thread_id)
    )


async def queue_post(
    session: AsyncSession, post_id: int, now: datetime, priority: Priority = Priority.REGULAR
) -> int:
    """Write one outbox row per recipient that gets notes now, one held item per chat that
    holds them (a digest, quiet hours); returns how many chats the post reaches.

    INSERT ... SELECT from the one recipients select, into the outbox and (for chats that hold
    their notes) the held items: on PostgreSQL one statement, on SQLite two (the second only
    when some chat holds its notes). The fan-out stays in the database, however many the
    chats. Breaking news gets Priority.BREAKING: every claim takes its rows first, and it is
    never held (it comes silently in quiet hours, and is not repeated in a digest).
    """
    breaking = priority == Priority.BREAKING
    postgres = session.get_bind().dialect.name == "postgresql"
    # On PostgreSQL a CTE, read several times and worked out once; SQLite's driver counts no
    # rows for an INSERT behind a WITH, so there a subquery.
    chosen = recipients(session, post_id)
    found = chosen.cte("recipients") if postgres else chosen.subquery()
    # Joined, not NOT IN (subquery): PostgreSQL would rescan the subquery for every
    # recipient once its ids outgrow work_mem.
    settings = ChatSettings.chat_id == found.c.chat_id
    now_rows = select(
        literal(post_id).label("post_id"), found.c.chat_id, found.c.thread_id, found.c.topics
    )
    if not breaking:
        now_rows = now_rows.select_from(found.outerjoin(ChatSettings, settings)).where(
            reader_settings.not_holding(now)
        )
    columns = ["post_id", "chat_id", "thread_id", "topics", *_QUEUED, "priority"]
    now_rows = now_rows.add_columns(*_queued(now), literal(int(priority)).label("priority"))
    queue_now = insert(Delivery).from_select(columns, now_rows)
    if breaking:
        return _count(await session.execute(queue_now))
    # Each waits for its chat's next release (never NULL for a holding chat; now if so).
    period = func.coalesce(ChatSettings.release_at, literal(now, UTCDateTime()))
    held_rows = (
        select(found.c.chat_id, literal(post_id), found.c.topics, period)
        .select_from(found.join(ChatSettings, settings))
        .where(reader_settings.holding(now), threads.first_of_chat(found))
    )
    hold = insert(HeldItem).from_select(["chat_id", "post_id", "topics", "period"], held_rows)
    if postgres:
        # One statement: both inserts read the recipients worked out once.
        queued = queue_now.returning(Delivery.id).cte("queued")
        holding = hold.returning(HeldItem.chat_id).cte("held")
        both = select(
            select(func.count()).select_from(queued).scalar_subquery()
            + select(func.count()).select_from(holding).scalar_subquery()
        )
        return int(await session.scalar(both) or 0)
    reached = _count(await session.execute(queue_now))
    if await reader_settings.any_holding(session, now):
        reached += _count(await session.execute(hold))
    return reached


def _count(result: Any) -> int:
    """The rows an INSERT ... SELECT wrote."""
    return int(result.rowcount)


async def queue_broadcast(
    session: AsyncSession, broadcast_id: int, topic: str | None, now: datetime
) -> int:
    """Write one outbox row per chat of the broadcast's audience (see chats.audience)."""
    audience = chats.audience(topic).add_columns(
        literal(broadcast_id).label("broadcast_id"),
        literal([], JSON).label("topics"),
        *_queued(now),
    )
    columns = ["chat_id", "broadcast_id", "topics", *_QUEUED]
    result = await session.execute(insert(Delivery).from_select(columns, audience))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def kill_live(session: AsyncSession, chat_id: int, reason: str) -> None:
    """Turn every row still to be sent to the chat dead, with `reason` as its error."""
    await session.execute(
        update(Delivery)
        .where(Delivery.chat_id == chat_id, Delivery.status.in_(LIVE_DELIVERY_STATES))
        .values(status=DeliveryState.DEAD, error=reason, lease_owner=None, lease_until=None)
    )


async def move_live(session: AsyncSession, old_id: int, new_id: int) -> None:
    """Readdress the rows still to be sent to chat `old_id` to chat `new_id`, unleased."""
    # What the new chat already has (or had) must not be sent to it a second time.
    posts_there = select(Delivery.post_id).where(
        Delivery.chat_id == new_id, Delivery.post_id.is_not(None)
    )
    broadcasts_there = select(Delivery.broadcast_id).where(
        Delivery.chat_id == new_id, Delivery.broadcast_id.is_not(None)
    )
    await session.execute(
        update(Delivery)
        .where(Delivery.chat_id == old_id, Delivery.status.in_(LIVE_DELIVERY_STATES))
        .where(or_(Delivery.post_id.is_(None), Delivery.post_id.not_in(posts_there)))
        .where(
            or_(
                Delivery.broadcast_id.is_(None),
                Delivery.broadcast_id.not_in(broadcasts_there),
            )
        )
        .values(chat_id=new_id, status=DeliveryState.PENDING, lease_owner=None, lease_until=None)
    )


async def release_held(session: AsyncSession, now: datetime, default_zone: tzinfo) -> int:
    """Queue the summaries now due (see storage.held.release_due); returns how many."""
    return await held.release_due(session, now, default_zone, _queued(now))


async def sent_times(session: AsyncSession, chat_id: int, since: datetime) -> list[datetime]:
    """When outbox messages went to a chat since a moment, oldest first."""
    times = await session.scalars(
        select(Delivery.sent_at)
        .where(Delivery.chat_id == chat_id, Delivery.sent_at >= since)
        .order_by(Delivery.sent_at)
    )
    return [t for t in times if t is not None]


async def pending_count(session: AsyncSession) -> int:
    """Rows not yet sent, failed or dead."""
    count = await session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.status.in_(LIVE_DELIVERY_STATES))
    )
    return int(count or 0)


async def counts_for_broadcast(
    session: AsyncSession, broadcast_id: int
) -> dict[DeliveryState, int]:
    """How many of a broadcast's rows are in each state."""
    rows = await session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.broadcast_id == broadcast_id)
        .group_by(Delivery.status)
    )
    return {DeliveryState(status): int(n) for status, n in rows}
