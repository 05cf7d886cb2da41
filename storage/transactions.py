"""A transaction, once begun, ends (commit or rollback) even when its caller is cancelled.

Cancelling a task in the middle of a transaction (a stopping bot cancels its scan, a timeout
fires) leaves the connection inside the transaction, in SQLAlchemy's and the driver's hands,
with no one to end it. On SQLite, where every transaction takes the write lock up front
(BEGIN IMMEDIATE), everything else then waits for the lock until the busy timeout and fails.

So each use case of the Store runs in a task of its own, shielded from its caller's
cancellation: the caller is cancelled at once as far as it is concerned, but it gives the
cancellation back only once the transaction is over.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
C = TypeVar("C", bound=type)


def finishing(method: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """`method`, run to its end even when the awaiting task is cancelled meanwhile."""

    @functools.wraps(method)
    async def run_to_the_end(*args: P.args, **kwargs: P.kwargs) -> R:
        task = asyncio.ensure_future(method(*args, **kwargs))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            # Bounded by the statement and lock timeouts of the transaction inside.
            while not task.done():
                try:
                    await asyncio.wait({task})
                except asyncio.CancelledError:
                    continue
            raise

    return run_to_the_end


def transactions_finish(cls: C) -> C:
    """Apply `finishing` to every public coroutine method `cls` itself defines."""
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.iscoroutinefunction(member):
            setattr(cls, name, finishing(member))
    return cls
