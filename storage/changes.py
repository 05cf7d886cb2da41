"""Queries on note changes (edits and deletions of sent notes): queueing, claims, outcomes.

Each takes the caller's session. A change is queued for every delivery sent with a message id;
claimed under a lease like a delivery (FOR UPDATE SKIP LOCKED on PostgreSQL); its outcome is
written only while the claimer still holds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.changes import ChangeCounts, ChangeJob, ChangeOutcome, NoteShown, change_for
from bot.domain.posts import MalformedPost
from bot.domain.scans import FileSeen
from bot.domain.states import (
    LIVE_CHANGE_STATES,
    LIVE_DELIVERY_STATES,
    ChangeKind,
    ChangeState,
    DeliveryState,
    PostState,
)
from storage import claims
from storage.engine import chunks
from storage.leases import LeasedTable
from storage.models import Delivery, NoteChange, UTCDateTime
from storage.models import Post as PostRow

# Rows claimed under a lease (storage.leases): held while SENDING, PENDING again if given back.
LEASED = LeasedTable(NoteChange, ChangeState.SENDING, ChangeState.PENDING)


async def queue(
    session: AsyncSession, kind: ChangeKind, where: ColumnElement[bool], now: datetime
) -> int:
    """One change of `kind` per sent delivery matching `where`; returns how many.

    Nothing is queued for a note already deleted (or being deleted), nor a second edit for a
    note whose edit has not been claimed yet: that one will render the newest content.
    """
    other = NoteChange.__table__.alias("other")
    deleted = exists().where(
        other.c.delivery_id == Delivery.id,
        other.c.kind == ChangeKind.DELETE.value,
        other.c.status.in_([*LIVE_CHANGE_STATES, ChangeState.DONE]),
    )
    waiting = exists().where(
        other.c.delivery_id == Delivery.id,
        other.c.kind == kind.value,
        other.c.status == ChangeState.PENDING.value,
    )
    rows = select(
        Delivery.id.label("delivery_id"),
        literal(kind.value).label("kind"),
        literal(ChangeState.PENDING.value).label("status"),
        literal(0).label("attempts"),
        literal(now, UTCDateTime()).label("not_before"),
        literal(now, UTCDateTime()).label("created_at"),
    ).where(
        where,
        # A note in flight gets its change too: it is applied once the send is recorded.
        Delivery.status.in_([DeliveryState.SENT, DeliveryState.SENDING]),
        # Only single notes: a summary gathering several posts is left as it is.
        Delivery.summary.is_(None),
        ~deleted,
        ~waiting,
    )
    columns = ["delivery_id", "kind", "status", "attempts", "not_before", "created_at"]
    result = await session.execute(insert(NoteChange).from_select(columns, rows))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def claim(
    session: AsyncSession,
    owner: str,
    limit: int,
    now: datetime,
    lease: timedelta,
    broadcast_id: int | None,
) -> list[ChangeJob]:
    """Lease up to `limit` due changes to `owner`, oldest first, with the notes they change.

    A change waits until its note's send is recorded (its message id known). One whose note,
    a lease after the change was queued, is not sent (the send failed, the chat blocked the
    bot, or it went back to the queue and will show the new content) is skipped.
    """
    unsent = [DeliveryState.PENDING, DeliveryState.FAILED, DeliveryState.DEAD]
    await session.execute(
        update(NoteChange)
        .where(
            NoteChange.status == ChangeState.PENDING,
            NoteChange.created_at < now - lease,
            NoteChange.delivery_id.in_(select(Delivery.id).where(Delivery.status.in_(unsent))),
        )
        .values(status=ChangeState.SKIPPED, done_at=now)
    )
    sent = exists().where(Delivery.id == NoteChange.delivery_id, Delivery.message_id.is_not(None))
    claimable = (
        select(NoteChange.id)
        .where(
            or_(
                and_(NoteChange.status == ChangeState.PENDING, NoteChange.not_before <= now),
                and_(NoteChange.status == ChangeState.SENDING, NoteChange.lease_until < now),
            ),
            sent,
        )
        .order_by(NoteChange.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if broadcast_id is not None:
        claimable = claimable.where(
            NoteChange.delivery_id.in_(
                select(Delivery.id).where(Delivery.broadcast_id == broadcast_id)
            )
        )
    claimed = (
        await session.execute(
            update(NoteChange)
            .where(NoteChange.id.in_(claimable.scalar_subquery()))
            .values(status=ChangeState.SENDING, lease_owner=owner, lease_until=now + lease)
            .returning(NoteChange.id, NoteChange.kind, NoteChange.attempts, NoteChange.delivery_id)
        )
    ).all()
    if not claimed:
        return []
    rows = (
        await session.execute(
            select(
                Delivery.id,
                Delivery.chat_id,
                Delivery.attempts,
                Delivery.post_id,
                Delivery.broadcast_id,
                Delivery.topics,
                Delivery.thread_id,
                Delivery.priority,
                Delivery.summary,
                Delivery.message_id,
                Delivery.photo,
            ).where(Delivery.id.in_({c.delivery_id for c in claimed}))
        )
    ).all()
    # The note as the sender would render it now: the same text, label and buttons.
    by_id = {job.id: job for job in await claims.notes(session, rows, now)}
    shown = {row.id: (int(row.message_id), row.photo) for row in rows}
    return [
        ChangeJob(
            change.id,
            ChangeKind(change.kind),
            change.attempts,
            shown[change.delivery_id][0],
            shown[change.delivery_id][1],
            by_id[change.delivery_id],
        )
        for change in sorted(claimed, key=lambda c: c.id)
    ]


async def record(
    session: AsyncSession, outcomes: Sequence[ChangeOutcome], now: datetime, owner: str
) -> None:
    """Write what became of each change `owner` still holds; a media edit moves the photo."""
    rows: list[dict[str, Any]] = []
    counted: list[int] = []
    for outcome in outcomes:
        settled = outcome.state != ChangeState.PENDING
        rows.append(
            {
                "id": outcome.change_id,
                "status": outcome.state.value,
                "error": outcome.error,
                "not_before": outcome.not_before or now,
                "done_at": now if settled else None,
                "lease_owner": None,
                "lease_until": None,
            }
        )
        if outcome.count and outcome.state != ChangeState.DONE:
            counted.append(outcome.change_id)
    for chunk in chunks(counted):
        await session.execute(
            update(NoteChange)
            .where(NoteChange.id.in_(chunk), *LEASED.held_by(owner))
            .values(attempts=NoteChange.attempts + 1)
        )
    photos = [o for o in outcomes if o.photo is not None]
    if photos:
        # Before the changes are settled: the delivery is found through the change.
        for outcome in photos:
            delivery = select(NoteChange.delivery_id).where(NoteChange.id == outcome.change_id)
            await session.execute(
                update(Delivery)
                .where(Delivery.id == delivery.scalar_subquery())
                .values(photo=outcome.photo)
            )
    if rows:
        await session.execute(
            update(NoteChange).where(*LEASED.held_by(owner)),
            rows,
            execution_options={"synchronize_session": None},
        )


async def counts_for_broadcast(
    session: AsyncSession, broadcast_id: int, kind: ChangeKind
) -> ChangeCounts:
    """How far the changes of `kind` to a broadcast's copies have got."""
    rows = await session.execute(
        select(NoteChange.status, func.count())
        .join(Delivery, Delivery.id == NoteChange.delivery_id)
        .where(Delivery.broadcast_id == broadcast_id, NoteChange.kind == kind)
        .group_by(NoteChange.status)
    )
    return ChangeCounts.of({ChangeState(status): int(n) for status, n in rows})


async def counts(session: AsyncSession) -> dict[tuple[ChangeKind, ChangeState], int]:
    """Every change by kind and state (for /stats)."""
    rows = await session.execute(
        select(NoteChange.kind, NoteChange.status, func.count()).group_by(
            NoteChange.kind, NoteChange.status
        )
    )
    return {(ChangeKind(kind), ChangeState(status)): int(n) for kind, status, n in rows}


async def announced_notes(
    session: AsyncSession, changed: Sequence[FileSeen]
) -> dict[int, NoteShown]:
    """What the notes of the announced posts among `changed` files show, by post id."""
    paths = [f.path for f in changed if not isinstance(f.post, MalformedPost)]
    ids: list[int] = []
    announced = select(PostRow.id).where(PostRow.state == PostState.ANNOUNCED).limit(1)
    if paths and await session.scalar(announced) is None:
        return {}  # none at all (a first scan): no need to look for each path
    for chunk in chunks(paths):
        ids.extend(
            await session.scalars(
                select(PostRow.id).where(
                    PostRow.path.in_(chunk), PostRow.state == PostState.ANNOUNCED
                )
            )
        )
    return await _shown_by_id(session, ids)


async def kill_unsent(session: AsyncSession, where: ColumnElement[bool], reason: str) -> None:
    """Send none of the rows matching `where` still to go (a retracted post, a recall)."""
    await session.execute(
        update(Delivery)
        .where(where, Delivery.status.in_(LIVE_DELIVERY_STATES))
        .values(status=DeliveryState.DEAD, error=reason, lease_owner=None, lease_until=None)
    )


async def follow_edits(
    session: AsyncSession,
    before: dict[int, NoteShown],
    now: datetime,
    *,
    corrections: bool,
    retractions: bool,
) -> tuple[int, int]:
    """Queue the changes the edits of announced posts call for; the posts corrected and
    retracted.

    `before` is what the posts' notes showed before this scan recorded their files.
    """
    after = await _shown_by_id(session, list(before))
    changed: dict[ChangeKind, int] = {}
    for post_id, old in before.items():
        new = after.get(post_id)
        if new is None:
            continue
        kind = change_for(old, new, corrections=corrections, retractions=retractions)
        if kind is None:
            continue
        # Queued before the rows still to go are killed: those in flight are deleted too,
        # once their send is recorded.
        await queue(session, kind, Delivery.post_id == post_id, now)
        if kind == ChangeKind.DELETE:
            await kill_unsent(session, Delivery.post_id == post_id, "post retracted")
        changed[kind] = changed.get(kind, 0) + 1
    return changed.get(ChangeKind.EDIT, 0), changed.get(ChangeKind.DELETE, 0)


async def _shown_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, NoteShown]:
    shown: dict[int, NoteShown] = {}
    for chunk in chunks(ids):
        rows = await session.execute(
            select(
                PostRow.id,
                PostRow.title,
                PostRow.excerpt,
                PostRow.url,
                PostRow.image_url,
                PostRow.published,
            ).where(PostRow.id.in_(chunk))
        )
        for row in rows:
            shown[row.id] = NoteShown(row.title, row.excerpt, row.url, row.image_url, row.published)
    return shown
