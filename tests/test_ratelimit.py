"""The rate limiter on its own: spacing, priority, pauses, cancellation."""

from __future__ import annotations

import asyncio
import time

from bot.domain.pacing import HEADROOM, RateLimiter


class Schedule:
    """An in-memory shared schedule (the database's rate_clock row, for one process)."""

    def __init__(self) -> None:
        self.next_free = 0.0
        self.reservations: list[int] = []

    async def reserve(self, count: int, interval: float, now: float) -> float:
        self.reservations.append(count)
        start = max(self.next_free, now)
        self.next_free = start + count * interval
        return start

    async def pause(self, until: float) -> None:
        self.next_free = max(self.next_free, until)


async def test_slots_are_spaced_by_the_rate() -> None:
    schedule = Schedule()
    limiter = RateLimiter(50, schedule.reserve, schedule.pause)
    times: list[float] = []

    async def send() -> None:
        await limiter.acquire()
        times.append(time.monotonic())

    await asyncio.gather(*(send() for _ in range(25)))
    await limiter.close()
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # Never faster than the rate (minus the loop's own jitter), on average at about it.
    assert min(gaps) > 1 / 50 * HEADROOM * 0.5
    assert (times[-1] - times[0]) >= 24 / 50 * 0.95
    assert max(schedule.reservations) <= 5  # small batches: a tenth of a second of slots


async def test_urgent_callers_take_the_next_slot_ahead_of_bulk() -> None:
    schedule = Schedule()
    limiter = RateLimiter(20, schedule.reserve, schedule.pause)
    order: list[str] = []

    async def send(kind: str) -> None:
        await limiter.acquire(urgent=kind == "reply")
        order.append(kind)

    bulk = [asyncio.create_task(send("bulk")) for _ in range(10)]
    await asyncio.sleep(0.12)  # a couple of bulk slots go
    await send("reply")
    assert order.index("reply") <= 4
    await asyncio.gather(*bulk)
    await limiter.close()


async def test_a_pause_holds_every_slot_until_it_ends() -> None:
    schedule = Schedule()
    limiter = RateLimiter(100, schedule.reserve, schedule.pause)
    await limiter.acquire()
    await limiter.pause(0.3)
    started = time.monotonic()
    await limiter.acquire()
    assert time.monotonic() - started >= 0.25
    assert schedule.next_free >= time.time() - 0.1
    await limiter.close()


async def test_a_cancelled_caller_gives_its_place_up() -> None:
    schedule = Schedule()
    limiter = RateLimiter(10, schedule.reserve, schedule.pause)
    await limiter.acquire()
    waiting = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    await asyncio.wait_for(limiter.acquire(), 1)
    await limiter.close()
