"""The outbox rows a sender holds, and the heartbeat that keeps their leases."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from bot.domain.outages import OutageLog
from storage.store import Store

logger = logging.getLogger(__name__)


class HeldLeases:
    """When the lease of each row this sender holds ends, as far as it knows.

    Set at the claim, moved by the heartbeat for the rows the database says are still
    ours, and dropped once the row's outcome is written or the row is lost.
    """

    def __init__(self, store: Store, owner: str, lease: timedelta) -> None:
        self.store = store
        self.owner = owner
        self.lease = lease
        self._until: dict[int, datetime] = {}

    def hold(self, delivery_ids: Iterable[int], until: datetime) -> None:
        for delivery_id in delivery_ids:
            self._until[delivery_id] = until

    def drop(self, delivery_id: int) -> None:
        self._until.pop(delivery_id, None)

    def until(self, delivery_id: int) -> datetime | None:
        """When the row's lease ends; None when this sender no longer holds it."""
        return self._until.get(delivery_id)

    async def keep(self, now: Callable[[], datetime], database: OutageLog) -> None:
        """Every third of a lease, extend the leases of every row still held."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            held = list(self._until)
            if not held:
                continue
            until = now() + self.lease
            try:
                kept = set(await self.store.extend_leases(self.owner, held, until))
                database.ok()
            except Exception as exc:
                database.failed(exc)
                continue
            lost = 0
            for delivery_id in held:
                if delivery_id not in self._until:
                    continue  # recorded meanwhile
                if delivery_id in kept:
                    self._until[delivery_id] = until
                else:
                    # Another sender took it over after our lease ran out: not ours to send.
                    del self._until[delivery_id]
                    lost += 1
            if lost:
                logger.warning("%d claimed deliveries were taken over by another sender", lost)
