"""A use case of the store cancelled midway (a stopping bot cancels its scan, a timeout fires)
still ends its transaction: the database is usable at once afterwards.

Before, a transaction cut by a cancellation stayed open on its connection; on SQLite, where
every transaction takes the write lock, everything else then waited for the busy timeout
(30 s) and failed with "database is locked", and a stopping bot hung that long.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import UTC, datetime

from storage.store import Store


async def test_a_cancelled_use_case_ends_its_transaction_and_leaves_the_database_usable(
    store: Store,
) -> None:
    rng = random.Random(7)
    counter = itertools.count()

    async def busy() -> None:
        while True:
            n = next(counter)
            await store.subscribe(1000 + n % 50, "private", "", f"topic-{n % 7}", datetime.now(UTC))

    for _ in range(60):
        worker = asyncio.create_task(busy())
        await asyncio.sleep(rng.random() * 0.02)
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
        # At once, not after a lock's timeout.
        await asyncio.wait_for(store.subscribe(5, "private", "", "news", datetime.now(UTC)), 5)
    assert [s.name for s in await store.subscriptions(5)] == ["news"]
