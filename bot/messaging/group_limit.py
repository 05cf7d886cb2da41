"""Telegram's limit per group: about 20 messages a minute, counted across every process."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from storage.store import Store

GROUP_LIMIT = 20  # messages per minute to one group (Telegram's documented limit)
GROUP_WINDOW = timedelta(minutes=1)


class GroupFull(Exception):
    """The group had its share of messages for now; try again at `until`."""

    def __init__(self, until: datetime) -> None:
        self.until = until


class GroupLimit:
    """Counts sends to groups against their limit (private chats have none)."""

    def __init__(self, store: Store, limit: tuple[int, timedelta] = (GROUP_LIMIT, GROUP_WINDOW)):
        self.store = store
        self.limit, self.window = limit
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._sends: dict[int, list[datetime]] = {}

    async def claim(self, chat_id: int) -> None:
        """Count a send to `chat_id` against its group's limit, or raise GroupFull.

        Sends recorded by every process are in the database; sends this process has in
        flight are only here, so the larger of the two counts.
        """
        if chat_id >= 0:
            return
        async with self._locks[chat_id]:
            now = datetime.now(UTC)
            recorded = await self.store.sent_times(chat_id, now - self.window)
            local = [t for t in self._sends.get(chat_id, []) if t > now - self.window]
            times = max(recorded, local, key=len)
            if len(times) >= self.limit:
                raise GroupFull(times[-self.limit] + self.window)
            self._sends[chat_id] = [*local, now]
