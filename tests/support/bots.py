"""newsbot running inside the test's event loop, as the `newsbot` fixture starts it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot import runner
from bot.domain.clock import SYSTEM_CLOCK, Clock
from bot.settings import Settings


@dataclass
class RunningBot:
    """A `newsbot run` inside the test's event loop."""

    settings: Settings
    clock: Clock = SYSTEM_CLOCK
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(runner.run(self.settings, self.stop, clock=self.clock))

    async def shutdown(self) -> None:
        if self.task is not None:
            self.stop.set()
            await asyncio.wait_for(self.task, 15)
            self.task = None


# The `newsbot` fixture: start(**settings) -> a RunningBot that already polls the fake.
BotFactory = Callable[..., Awaitable[RunningBot]]
