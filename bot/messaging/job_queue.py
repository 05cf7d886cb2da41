"""The sender's queue of claimed jobs: breaking news goes ahead of the regular jobs in it."""

from __future__ import annotations

import asyncio

from bot.domain.outbox import DeliveryJob


class ClaimedJobs(asyncio.Queue[DeliveryJob | None]):
    """FIFO, except that a breaking job goes after the breaking ones already queued, ahead of
    every regular one: the claim takes breaking rows first, and this keeps them first here.

    `None` (a worker's "no more work") queues last, like a regular job.
    """

    def _put(self, item: DeliveryJob | None) -> None:
        if item is None or not item.breaking:
            self._queue.append(item)  # type: ignore[attr-defined]
            return
        queue = self._queue  # type: ignore[attr-defined]
        position = 0
        while position < len(queue) and queue[position] is not None and queue[position].breaking:
            position += 1
        queue.insert(position, item)
