"""Bot-wide send pacing: slots from a shared schedule, replies to users served first."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

from bot.domain.outages import OutageLog

logger = logging.getLogger(__name__)

# Reserve(count, interval, now) -> the first slot's time (epoch seconds). The schedule behind
# it is shared by every process of the bot (a row in the database), so the limit is global.
Reserve = Callable[[int, float, float], Awaitable[float]]
Pause = Callable[[float], Awaitable[None]]

# Telegram counts messages per second on its own clock; the requests of a steady sender reach
# it with a few milliseconds of jitter, so leave a little room below the configured rate.
HEADROOM = 0.97
# A slot released later than this after its time is dropped: a late send followed by punctual
# ones would crowd one second of Telegram's clock. Within it, HEADROOM absorbs the lateness.
MAX_LATENESS = 0.025
RETRY_RESERVE = 0.5


class RateLimiter:
    """Hands out send slots at most `rate` per second, urgent callers first.

    Slots are reserved in small batches from a shared schedule, then released one by one
    at their time. Every caller waits for a slot before sending: user-facing replies
    (urgent) take the next free slot ahead of anyone else, then breaking news (ahead), then
    every other bulk send.
    """

    def __init__(
        self, rate: float, reserve: Reserve, pause: Pause, *, batch_seconds: float = 0.1
    ) -> None:
        self.interval = 1.0 / (rate * HEADROOM)
        self._reserve = reserve
        self._pause = pause
        self._batch = max(1, int(rate * batch_seconds))
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._ahead: deque[asyncio.Future[None]] = deque()
        self._bulk: deque[asyncio.Future[None]] = deque()
        self._dispatcher: asyncio.Task[None] | None = None
        self._paused_until = 0.0
        self._schedule = OutageLog(
            logger,
            "could not reserve send slots: sends wait until the shared schedule is reachable",
            "send slots reserved again",
        )

    async def acquire(self, *, urgent: bool = False, ahead: bool = False) -> None:
        """Wait for a send slot; `urgent` (replies) first, then `ahead` (breaking news)."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._ahead if ahead else self._bulk).append(waiter)
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="rate-limiter")
        try:
            await waiter
        except asyncio.CancelledError:
            # A cancelled caller gives its place up; the slot goes to the next one.
            for queue in (self._urgent, self._ahead, self._bulk):
                if waiter in queue:
                    queue.remove(waiter)
            raise

    async def pause(self, seconds: float) -> None:
        """Telegram asked everyone to wait: stop handing out slots, here and elsewhere."""
        until = time.time() + seconds
        self._paused_until = max(self._paused_until, until)
        await self._pause(until)

    def _waiting(self) -> int:
        return len(self._urgent) + len(self._ahead) + len(self._bulk)

    def _next_waiter(self) -> asyncio.Future[None] | None:
        for queue in (self._urgent, self._ahead, self._bulk):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    return waiter
        return None

    async def _dispatch(self) -> None:
        # The next batch is reserved while this one is handed out, so that the round trip
        # to the shared schedule (a database busy with other work, say) costs no slot.
        ahead: asyncio.Task[float] | None = None
        ahead_count = 0
        try:
            while self._waiting() or ahead is not None:
                if ahead is not None:
                    reservation, count, ahead = ahead, ahead_count, None
                else:
                    count = min(self._waiting(), self._batch)
                    reservation = asyncio.ensure_future(
                        self._reserve(count, self.interval, time.time())
                    )
                try:
                    start = await reservation
                except Exception as exc:
                    # The shared schedule lives in the database; while it is unreachable
                    # nobody sends, but the waiters stay queued for when it is back.
                    self._schedule.failed(exc)
                    await asyncio.sleep(RETRY_RESERVE)
                    continue
                self._schedule.ok()
                if self._waiting() > count:
                    ahead_count = min(self._waiting() - count, self._batch)
                    ahead = asyncio.ensure_future(
                        self._reserve(ahead_count, self.interval, time.time())
                    )
                await self._hand_out(start, count)
                if self._paused_until > time.time():
                    await asyncio.sleep(self._paused_until - time.time())
        finally:
            if ahead is not None:
                ahead.cancel()

    async def _hand_out(self, start: float, count: int) -> None:
        """Wake one waiter at each of the `count` slots from `start` (while any wait)."""
        for slot in range(count):
            at = start + slot * self.interval
            if at < self._paused_until:
                return  # the rest of this batch falls inside a pause: reserve anew after it
            delay = at - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if at < self._paused_until:
                return  # a 429 arrived while we slept
            if time.time() - at > MAX_LATENESS:
                continue
            waiter = self._next_waiter()
            if waiter is None:
                return
            waiter.set_result(None)

    async def close(self) -> None:
        """Stop the dispatcher; waiting callers are cancelled."""
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            await asyncio.gather(self._dispatcher, return_exceptions=True)
        for queue in (self._urgent, self._ahead, self._bulk):
            while queue:
                queue.popleft().cancel()
