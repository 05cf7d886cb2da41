"""Queries on the audit log of editorial actions; each takes the caller's session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.audit import AuditEntry
from storage.models import AuditEntry as AuditRow

DETAIL_LIMIT = 1000  # characters of detail kept: an audit line, not an archive


async def record(
    session: AsyncSession, actor: int, action: str, detail: str, now: datetime
) -> None:
    row = AuditRow(at=now, actor=actor, action=str(action)[:32], detail=detail[:DETAIL_LIMIT])
    session.add(row)


async def latest(session: AsyncSession, limit: int) -> list[AuditEntry]:
    """The last `limit` actions, newest first."""
    rows = await session.scalars(
        select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
    )
    return [AuditEntry(row.at, row.actor, row.action, row.detail) for row in rows]
