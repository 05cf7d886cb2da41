"""The store's use cases for changes to sent notes (broadcast edits and recalls, the change
outbox) and for the audit log: one transaction each, domain types out. Store inherits them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.audit import AUDIT_SHOWN, AuditAction, AuditEntry
from bot.domain.broadcasts import BroadcastInfo
from bot.domain.changes import ChangeCounts, ChangeJob, ChangeOutcome
from bot.domain.states import BroadcastState, ChangeKind, ChangeState
from storage import audit, broadcasts, changes, leases
from storage.models import Broadcast, Delivery, NoteChange
from storage.transactions import transactions_finish


@transactions_finish
class ChangeStore:
    """Changes to notes already sent, and the audit log."""

    _sessions: async_sessionmaker[AsyncSession]

    # -- the change outbox ------------------------------------------------------------------

    async def claim_changes(
        self,
        owner: str,
        limit: int,
        now: datetime,
        lease: timedelta,
        *,
        broadcast_id: int | None = None,
    ) -> list[ChangeJob]:
        """Lease up to `limit` due changes to `owner` (only one broadcast's, if given)."""
        async with self._sessions.begin() as session:
            return await changes.claim(session, owner, limit, now, lease, broadcast_id)

    async def record_changes(
        self, outcomes: Sequence[ChangeOutcome], now: datetime, owner: str
    ) -> None:
        if not outcomes:
            return
        async with self._sessions.begin() as session:
            await changes.record(session, outcomes, now, owner)

    async def extend_change_leases(
        self, owner: str, ids: Sequence[int], until: datetime
    ) -> list[int]:
        async with self._sessions.begin() as session:
            return await leases.extend_leases(session, changes.LEASED, owner, ids, until)

    async def release_change_leases(self, owner: str) -> int:
        async with self._sessions.begin() as session:
            return await leases.release_leases(session, changes.LEASED, owner)

    # -- editing and recalling a broadcast --------------------------------------------------

    async def request_broadcast_edit(self, broadcast_id: int, now: datetime) -> bool:
        """The admin pressed Edit: wait for the new text; False if it can no longer be edited."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.state == BroadcastState.DONE)
                .values(edit_requested_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def take_edit_request(self, chat_id: int, since: datetime) -> BroadcastInfo | None:
        """The broadcast whose admin asked (in `chat_id`, since `since`) to edit it; the request
        is used up, so one message edits it once."""
        async with self._sessions.begin() as session:
            broadcast_id = await session.scalar(
                select(Broadcast.id)
                .where(
                    Broadcast.preview_chat_id == chat_id,
                    Broadcast.edit_requested_at >= since,
                    Broadcast.state == BroadcastState.DONE,
                )
                .order_by(Broadcast.edit_requested_at.desc())
                .limit(1)
            )
            if broadcast_id is None:
                return None
            taken = await session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.edit_requested_at.is_not(None))
                .values(edit_requested_at=None)
            )
            if not taken.rowcount:  # type: ignore[attr-defined]
                return None
            return await broadcasts.get(session, broadcast_id)

    async def edit_broadcast(
        self, broadcast_id: int, html: str, actor: int, now: datetime
    ) -> int | None:
        """Give a sent broadcast new text and queue an edit of every copy; None if it cannot
        be edited (not sent yet, or recalled). Returns the copies to edit."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.state == BroadcastState.DONE)
                .values(html=html, change=ChangeKind.EDIT, change_started_at=now)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
            queued = await changes.queue(
                session, ChangeKind.EDIT, Delivery.broadcast_id == broadcast_id, now
            )
            await audit.record(
                session, actor, AuditAction.BROADCAST_EDITED, _detail(broadcast_id, html), now
            )
            return queued

    async def recall_broadcast(self, broadcast_id: int, actor: int, now: datetime) -> int | None:
        """Delete every copy of a sent broadcast (none is sent any more); None if it was not
        sent or is already recalled. Returns the copies to delete."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Broadcast)
                .where(
                    Broadcast.id == broadcast_id,
                    Broadcast.state.in_([BroadcastState.DONE, BroadcastState.SENDING]),
                )
                .values(
                    state=BroadcastState.RECALLED,
                    change=ChangeKind.DELETE,
                    change_started_at=now,
                    edit_requested_at=None,
                )
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
            of_broadcast = Delivery.broadcast_id == broadcast_id
            # Edits not yet applied would only be deleted after: they are dropped.
            await session.execute(
                delete(NoteChange).where(
                    NoteChange.kind == ChangeKind.EDIT,
                    NoteChange.status == ChangeState.PENDING,
                    NoteChange.delivery_id.in_(select(Delivery.id).where(of_broadcast)),
                )
            )
            # Copies in flight are deleted too, once their send is recorded; then nothing
            # more is sent.
            queued = await changes.queue(session, ChangeKind.DELETE, of_broadcast, now)
            await changes.kill_unsent(session, of_broadcast, "broadcast recalled")
            info = await broadcasts.get(session, broadcast_id)
            detail = _detail(broadcast_id, info.html if info else "")
            await audit.record(session, actor, AuditAction.BROADCAST_RECALLED, detail, now)
            return queued

    async def changing_broadcasts(self) -> list[BroadcastInfo]:
        """Broadcasts whose edit or recall is going out (or not yet reported as done)."""
        async with self._sessions.begin() as session:
            rows = await session.scalars(select(Broadcast.id).where(Broadcast.change.is_not(None)))
            found = [await broadcasts.get(session, broadcast_id) for broadcast_id in rows.all()]
            return [info for info in found if info is not None]

    async def change_progress(self, broadcast_id: int, kind: ChangeKind) -> ChangeCounts:
        async with self._sessions.begin() as session:
            return await changes.counts_for_broadcast(session, broadcast_id, kind)

    async def finish_change(self, broadcast_id: int, kind: ChangeKind) -> bool:
        """Mark a broadcast's edit or recall reported; False if another process already did."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.change == kind)
                .values(change=None)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # -- the audit log ----------------------------------------------------------------------

    async def record_audit(self, actor: int, action: str, detail: str, now: datetime) -> None:
        """Record an editorial action: `actor` a Telegram user id (0: the command line)."""
        async with self._sessions.begin() as session:
            await audit.record(session, actor, action, detail, now)

    async def audit(self, limit: int = AUDIT_SHOWN) -> list[AuditEntry]:
        """The last `limit` editorial actions, newest first."""
        async with self._sessions.begin() as session:
            return await audit.latest(session, limit)


def _detail(broadcast_id: int, html: str) -> str:
    return f"#{broadcast_id}: {html}"
