"""Updates handled concurrently across chats, one after another within a chat (PTB's hook)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any

from telegram import Update

from bot.messaging.timing import TimedUpdates
from bot.telemetry import Metrics

# Handlers running at once. Each mostly waits (the database, a reply's round trip to
# Telegram), so a crowd of chats is answered at the rate limit's pace, not one round trip
# after another.
RUNNING_UPDATES = 256
# Updates admitted at once, those waiting behind an earlier one of their chat included: a
# chat that sends hundreds of commands cannot hold every running place.
ADMITTED_UPDATES = 16 * RUNNING_UPDATES


class PerChatUpdateProcessor(TimedUpdates):
    """Runs updates of different chats concurrently and those of one chat in arrival order.

    PTB starts one task per update in arrival order; each first queues on its chat's lock
    (asyncio locks wake their waiters first come, first served), then waits for one of the
    running places. A chat's second command is thus answered after its first, while other
    chats go ahead. Updates without a chat (an inline query, say) only take a running place.
    Each is timed once running (TimedUpdates), without its wait.
    """

    def __init__(self, metrics: Metrics, running: int = RUNNING_UPDATES) -> None:
        super().__init__(metrics, max(running, ADMITTED_UPDATES))
        self._running = asyncio.BoundedSemaphore(running)
        # One lock per chat with updates in hand, dropped when its last one is done.
        self._chats: dict[int, _ChatTurn] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat_id = _chat_of(update)
        if chat_id is None:
            try:
                async with self._running:
                    await super().do_process_update(update, coroutine)
            finally:
                _close_if_never_run(coroutine)
            return
        turn = self._chats.get(chat_id)
        if turn is None:
            turn = self._chats[chat_id] = _ChatTurn()
        turn.holders += 1
        try:
            async with turn.lock, self._running:
                await super().do_process_update(update, coroutine)
        finally:
            turn.holders -= 1
            if not turn.holders:
                del self._chats[chat_id]
            _close_if_never_run(coroutine)


class _ChatTurn:
    """A chat's lock and how many of its updates hold or wait for it."""

    __slots__ = ("holders", "lock")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.holders = 0


def _close_if_never_run(coroutine: Awaitable[Any]) -> None:
    """Close a handler coroutine cancelled while it waited (else Python warns it never ran)."""
    if inspect.iscoroutine(coroutine) and inspect.getcoroutinestate(coroutine) == "CORO_CREATED":
        coroutine.close()


def _chat_of(update: object) -> int | None:
    """The chat whose order an update keeps: its chat, else its user's private chat."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None
