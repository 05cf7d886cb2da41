"""Queries on the outbox (deliveries): queueing, claims, leases, outcomes; each takes a session."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import JSON, Select, and_, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.breaking import Priority
from bot.domain.channels import ALL_TOPICS
from bot.domain.everything import matched
from bot.domain.outbox import DeliveryJob, Outcome, Retry, Sent
from bot.domain.states import LIVE_DELIVERY_STATES, ChatState, DeliveryState
from bot.domain.topics import TopicInfo
from storage import catalogue, channels, chats, filters, held, reader_settings, threads
from storage.engine import chunks
from storage.models import (
    LIVE_ROWS,
    Broadcast,
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

    Two INSERT ... SELECT from the one recipients select (the second only when some chat
    holds its notes): the fan-out stays in the database, however many the chats. Breaking
    news gets Priority.BREAKING: every claim takes its rows first, and it is never held (it
    comes silently in quiet hours, and is not repeated in a digest).
    """
    breaking = priority == Priority.BREAKING
    found = recipients(session, post_id).subquery()
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
    result = await session.execute(insert(Delivery).from_select(columns, now_rows))
    reached = int(result.rowcount)  # type: ignore[attr-defined]
    if not breaking and await reader_settings.any_holding(session, now):
        # Each waits for its chat's next release (never NULL for a holding chat; now if so).
        period = func.coalesce(ChatSettings.release_at, literal(now, UTCDateTime()))
        held_rows = (
            select(found.c.chat_id, literal(post_id), found.c.topics, period)
            .select_from(found.join(ChatSettings, settings))
            .where(reader_settings.holding(now), threads.first_of_chat(found))
        )
        result = await session.execute(
            insert(HeldItem).from_select(["chat_id", "post_id", "topics", "period"], held_rows)
        )
        reached += int(result.rowcount)  # type: ignore[attr-defined]
    return reached


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


async def claim(
    session: AsyncSession,
    owner: str,
    limit: int,
    now: datetime,
    lease: timedelta,
    broadcast_id: int | None,
) -> list[DeliveryJob]:
    """Lease up to `limit` due rows to `owner`; expired leases of dead senders count as due.

    On PostgreSQL, FOR UPDATE SKIP LOCKED lets any number of workers claim at once
    without waiting for or double-claiming each other's rows.
    """
    claimable = (
        select(Delivery.id)
        .where(
            # Implied by what follows; spelled out, as literal SQL, so that the planners use
            # the partial live index (ordered as the claim is) on SQLite and PostgreSQL alike.
            LIVE_ROWS,
            or_(
                and_(Delivery.status == DeliveryState.PENDING, Delivery.not_before <= now),
                and_(Delivery.status == DeliveryState.SENDING, Delivery.lease_until < now),
            ),
        )
        .order_by(Delivery.priority, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if broadcast_id is not None:
        claimable = claimable.where(Delivery.broadcast_id == broadcast_id)
    rows = (
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_(claimable.scalar_subquery()))
            .values(status=DeliveryState.SENDING, lease_owner=owner, lease_until=now + lease)
            .returning(
                Delivery.id,
                Delivery.chat_id,
                Delivery.attempts,
                Delivery.post_id,
                Delivery.broadcast_id,
                Delivery.topics,
                Delivery.thread_id,
                Delivery.summary,
                Delivery.priority,
            )
        )
    ).all()
    if not rows:
        return []
    return await notes(session, rows, now)


async def notes(session: AsyncSession, rows: Sequence[Any], now: datetime) -> list[DeliveryJob]:
    """The jobs of claimed rows: the post's or broadcast's content as it is now, in the chat's
    language. Also what an edit of a note sent renders (storage.changes)."""
    posts = await catalogue.contents(session, {r.post_id for r in rows if r.post_id})
    in_channels = await channels.channel_ids(session, {r.chat_id for r in rows})
    broadcasts = await _broadcast_html(session, {r.broadcast_id for r in rows if r.broadcast_id})
    jobs = []
    for row in sorted(rows, key=lambda r: (r.priority, r.id)):
        job = DeliveryJob(row.id, row.chat_id, row.attempts, row.post_id, row.broadcast_id)
        if row.post_id is not None:
            title, excerpt, url, image_url, names, breaking = posts[row.post_id]
            keys = matched(row.topics, names)  # "*": every topic of the post, after "*"
            in_channel = row.chat_id in in_channels
            if in_channel and ALL_TOPICS in keys:
                keys = sorted(names)  # a channel following everything shows every hashtag
            topics = tuple(TopicInfo(k, names.get(k, k)) for k in keys)
            job = DeliveryJob(
                row.id,
                row.chat_id,
                row.attempts,
                row.post_id,
                None,
                title,
                excerpt,
                url,
                image_url,
                topics,
                thread_id=row.thread_id,
                breaking=breaking,
                in_channel=in_channel,
            )
        elif row.broadcast_id is not None:
            job = DeliveryJob(
                row.id,
                row.chat_id,
                row.attempts,
                None,
                row.broadcast_id,
                html=broadcasts[row.broadcast_id][0],
                image_url=broadcasts[row.broadcast_id][1],
            )
        jobs.append(job)
    summaries = {r.id: r.summary for r in rows if r.summary is not None}
    languages = await chats.languages(session, {job.chat_id for job in jobs})
    jobs = [replace(job, language=languages.get(job.chat_id)) for job in jobs]
    return await held.complete_jobs(session, jobs, summaries, now)


async def release_held(session: AsyncSession, now: datetime, default_zone: tzinfo) -> int:
    """Queue the summaries now due (see storage.held.release_due); returns how many."""
    return await held.release_due(session, now, default_zone, _queued(now))


async def _broadcast_html(
    session: AsyncSession, ids: set[int]
) -> dict[int, tuple[str, str | None]]:
    """Each broadcast's HTML and photo, by id."""
    if not ids:
        return {}
    rows = await session.execute(
        select(Broadcast.id, Broadcast.html, Broadcast.photo).where(Broadcast.id.in_(ids))
    )
    return {bid: (html, photo) for bid, html, photo in rows}


async def record_outcomes(
    session: AsyncSession, outcomes: Sequence[Outcome], now: datetime, owner: str
) -> None:
    """Write what happened to each sent row.

    A send is recorded whatever happened to the row meanwhile: it did reach Telegram.
    A retry or a failure only applies while `owner` still holds the row, so it cannot
    revive a row that /stop, a 403 or another sender has settled since.
    """
    # Plain strings in executemany rows, as in catalogue.record_files.
    sent: list[dict[str, Any]] = []
    unsent: list[dict[str, Any]] = []
    counted: list[int] = []
    for outcome in outcomes:
        base = {"id": outcome.delivery_id, "lease_owner": None, "lease_until": None}
        if isinstance(outcome, Sent):
            sent.append(
                {
                    **base,
                    "status": DeliveryState.SENT.value,
                    "message_id": outcome.message_id,
                    "photo": outcome.photo,
                    "sent_at": now,
                    "error": None,
                }
            )
        elif isinstance(outcome, Retry):
            unsent.append(
                {
                    **base,
                    "status": DeliveryState.PENDING.value,
                    "not_before": outcome.not_before,
                    "error": outcome.error,
                }
            )
            if outcome.count:
                counted.append(outcome.delivery_id)
        else:
            unsent.append(
                {
                    **base,
                    "status": DeliveryState.FAILED.value,
                    "not_before": now,
                    "error": outcome.error,
                }
            )
    held = _held_by(owner)
    for chunk in chunks(counted):
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_(chunk), *held)
            .values(attempts=Delivery.attempts + 1)
        )
    if unsent:
        # No ORM objects live in this session: nothing to synchronize.
        await session.execute(
            update(Delivery).where(*held),
            unsent,
            execution_options={"synchronize_session": None},
        )
    if sent:
        await session.execute(update(Delivery), sent)


def _held_by(owner: str) -> tuple[Any, ...]:
    """The rows `owner` has leased and not yet settled."""
    return (Delivery.lease_owner == owner, Delivery.status == DeliveryState.SENDING)


async def extend_leases(
    session: AsyncSession, owner: str, ids: Sequence[int], until: datetime
) -> list[int]:
    """Keep the given rows `owner` still holds until `until`; returns those it still holds."""
    kept: list[int] = []
    for chunk in chunks(ids):
        result = await session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(chunk), *_held_by(owner))
            .values(lease_until=until)
            .returning(Delivery.id)
        )
        kept.extend(result)
    return kept


async def release_leases(session: AsyncSession, owner: str) -> int:
    """Give back the rows `owner` claimed and never sent; returns how many."""
    result = await session.execute(
        update(Delivery)
        .where(*_held_by(owner))
        .values(status=DeliveryState.PENDING, lease_owner=None, lease_until=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


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
