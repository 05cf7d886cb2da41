"""newsbot running inside the test's event loop, as the `newsbot` fixture starts it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot import runner
from bot.domain.clock import SYSTEM_CLOCK, Clock
from bot.settings import Settings
from tests.support.hangs import waiting_tasks

# How long a stopping bot may take before the test fails with its tasks' stacks.
STOP_SECONDS = 15


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
        """Stop the bot; a bot that does not stop fails the test with what it was waiting on."""
        if self.task is None:
            return
        task, self.task = self.task, None
        self.stop.set()
        done, _ = await asyncio.wait({task}, timeout=STOP_SECONDS)
        if not done:
            stuck = waiting_tasks()
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=5)
            raise AssertionError(
                f"newsbot did not stop within {STOP_SECONDS} s"
                + ("" if done else ", nor when cancelled")
                + "; its tasks were waiting here:\n"
                + stuck
            )
        task.result()


# The `newsbot` fixture: start(**settings) -> a RunningBot that already polls the fake.
BotFactory = Callable[..., Awaitable[RunningBot]]
