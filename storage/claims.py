"""The outbox's sending side: claiming due rows under a lease, the notes they carry, what
happened to each, and the leases kept or given back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.channels import ALL_TOPICS
from bot.domain.everything import matched
from bot.domain.outbox import DeliveryJob, Outcome, Retry, Sent
from bot.domain.states import DeliveryState
from bot.domain.topics import TopicInfo
from storage import catalogue, channels, chats, held
from storage.engine import chunks
from storage.leases import LeasedTable
from storage.models import (
    LIVE_ROWS,
    Broadcast,
    Delivery,
)

# Rows claimed under a lease (storage.leases): held while SENDING, PENDING again if given back.
LEASED = LeasedTable(Delivery, DeliveryState.SENDING, DeliveryState.PENDING)


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
    held = LEASED.held_by(owner)
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
