"""Leases on outbox-like rows (deliveries, note changes): kept while held, given back unused.

A sender claims rows by setting their status to SENDING with its name and a deadline; while
it works it extends the deadline of the rows it still holds, and on the way out it gives back
the ones it never settled, for any sender to claim again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.engine import chunks


@dataclass(frozen=True)
class LeasedTable:
    """A table whose rows are claimed under a lease: its model, and its held and free states."""

    model: Any  # a mapped class with id, status, lease_owner and lease_until
    held: Enum
    free: Enum

    def held_by(self, owner: str) -> tuple[ColumnElement[bool], ...]:
        """The rows `owner` has leased and not yet settled."""
        return (self.model.lease_owner == owner, self.model.status == self.held)


async def extend_leases(
    session: AsyncSession, table: LeasedTable, owner: str, ids: Sequence[int], until: datetime
) -> list[int]:
    """Keep the given rows `owner` still holds until `until`; returns those it still holds."""
    kept: list[int] = []
    for chunk in chunks(ids):
        result = await session.scalars(
            update(table.model)
            .where(table.model.id.in_(chunk), *table.held_by(owner))
            .values(lease_until=until)
            .returning(table.model.id)
        )
        kept.extend(result)
    return kept


async def release_leases(session: AsyncSession, table: LeasedTable, owner: str) -> int:
    """Give back the rows `owner` claimed and never settled; returns how many."""
    result = await session.execute(
        update(table.model)
        .where(*table.held_by(owner))
        .values(status=table.free, lease_owner=None, lease_until=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
