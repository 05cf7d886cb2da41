"""The fake's state: its knobs, the chats and messages it knows, queued updates, its records."""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import time
from collections import Counter
from collections.abc import Callable

from tests.support.fake_telegram.records import JSON, Call, SentMessage

DEFAULT_TOKEN = "123456:TEST-token"
BOT_USERNAME = "newsbot_test_bot"


class BotApiState:
    """Knobs a test turns, the world it sets up, and every call and message the fake recorded."""

    def __init__(
        self,
        *,
        token: str,
        rate_limit: int | None,
        group_rate_limit: int | None,
        delay: float,
        error_rate: float,
        latency: float = 0.0,
        seed: int,
        clock: Callable[[], float],
    ) -> None:
        self.token = token
        self.clock = clock
        # Epoch seconds: the dates of messages, and the 48 hours in which they may be edited
        # or deleted. A test moves it with the bot's clock (`fake.wall_clock = ...`).
        self.wall_clock: Callable[[], float] = time.time
        # Misbehaviour knobs.
        self.rate_limit = rate_limit
        self.group_rate_limit = group_rate_limit
        self.delay = delay
        self.method_delays: dict[str, float] = {}
        # The network: every answer (errors and getUpdates included) leaves this much later.
        self.latency = latency
        self.error_rate = error_rate
        self.random = random.Random(seed)
        self.blocked: set[int] = set()
        self.kicked: set[int] = set()
        self.deactivated: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.bad_photos: bool | set[str] = False
        # Another client polls with this token: every getUpdates of ours gets 409 Conflict.
        self.foreign_poller = False
        # Test-provided world.
        self.chat_members: dict[tuple[int, int], str] = {}
        self.channel_rights: dict[int, JSON] = {}  # the bot's, by channel (see channels.py)
        # The language_code of each user's Telegram app ("en" unless set here).
        self.user_languages: dict[int, str] = {}
        self.chats: dict[int, JSON] = {}
        self.forum_topics: dict[int, dict[int, str]] = {}  # forum -> thread id -> topic name
        self.deleted_topics: set[tuple[int, int]] = set()
        self.bot_user: JSON = {
            "id": int("".join(c for c in token.split(":")[0] if c.isdigit()) or 1),
            "is_bot": True,
            "first_name": "NewsBot",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._changed = asyncio.Event()
        # Ids only grow, even across reset(): a running bot's getUpdates offset stays valid.
        self._next_update_id = 1
        self._last_message_id: dict[int, int] = {}
        self.reset()

    def reset(self) -> None:
        """Forget everything recorded and queued; keep the knobs and the world."""
        self.sent: list[SentMessage] = []
        self.edits: list[SentMessage] = []
        self.deleted: list[tuple[int, int]] = []  # (chat_id, message_id) of deleted messages
        self.calls: list[Call] = []
        self.rejected: list[Call] = []
        self.conflicts: list[Call] = []
        self.foreign_conflicts: list[Call] = []  # 409s the foreign_poller knob caused
        self.rejected_429 = 0
        self.callback_answers: list[JSON] = []
        self.left_chats: list[int] = []
        self.my_commands: dict[tuple[str, str], list[JSON]] = {}
        self.webhook_url = ""
        self._send_log: list[tuple[float, int]] = []  # (at, chat_id) of accepted send calls
        self._forced_retries: list[int] = []
        self._messages: dict[tuple[int, int], JSON] = {}
        self._updates: list[JSON] = []
        self._allowed_updates: frozenset[str] | None = None  # None: Telegram's default
        self._open_callbacks: set[str] = set()
        self._callback_ids = itertools.count(1)
        self._poll_generation = 0
        self._active_poll: int | None = None
        self._in_flight = 0
        self._last_activity = time.monotonic()

    # ----------------------------------------------------------------- the tests' API

    @property
    def polling(self) -> bool:
        """Whether a getUpdates call is waiting for updates right now."""
        return self._active_poll is not None

    def chat(self, chat_id: int) -> JSON:
        """The Chat object for an id: the one an update introduced, or one made up from the id."""
        if chat_id in self.chats:
            return self.chats[chat_id]
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"
        return {"id": chat_id, "type": kind, "title": f"Chat {chat_id}"}

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """The current state of a message the bot sent (after edits)."""
        return self._messages.get((chat_id, message_id))

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """Accepted sendMessage/sendPhoto calls to one chat, oldest first."""
        return [sent for sent in self.sent if sent.chat_id == chat_id]

    def commands_for(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The commands setMyCommands recorded for a scope (None: the default scope)."""
        return self.my_commands.get((scope_key(scope), language_code), [])

    def add_update(self, update: JSON) -> JSON:
        """Queue an update for getUpdates; assigns (overwrites) its update_id."""
        update = {**update, "update_id": self._next_update_id}
        self._next_update_id += 1
        self._updates.append(update)
        self._notify()
        return update

    def force_retry_after(self, seconds: float, count: int = 1) -> None:
        """The next `count` send calls answer 429 with this retry_after."""
        self._forced_retries.extend([max(1, math.ceil(seconds))] * count)

    def max_sends_in_window(self, window: float = 1.0) -> int:
        """Most accepted send calls within any sliding window of `window` seconds."""
        return max_in_window([at for at, _ in self._send_log], window)

    def max_group_sends_in_window(self, chat_id: int, window: float = 60.0) -> int:
        """Most accepted send calls to one chat within any sliding window."""
        return max_in_window([at for at, chat in self._send_log if chat == chat_id], window)

    def stats(self) -> JSON:
        """Counters for benchmarks (GET /_fake/stats)."""
        by_status = Counter(call.status for call in self.calls)
        return {
            "sent": len(self.sent),
            "rejected_429": self.rejected_429,
            "max_per_second": self.max_sends_in_window(1.0),
            "by_status": {str(code): n for code, n in sorted(by_status.items())},
            "rejected": len(self.rejected),
        }

    def describe(self) -> str:
        """Recent calls and rejections, for assertion messages."""
        lines = [f"pending updates: {len(self._updates)}; last calls:"]
        lines += [f"  {c.method} -> {c.status} {c.description or ''}" for c in self.calls[-10:]]
        lines += [f"rejected: {c.method}: {c.description}" for c in self.rejected]
        return "\n".join(lines)

    async def wait_for(
        self,
        predicate: Callable[[], object],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        what: str | None = None,
    ) -> None:
        """Poll every 10 ms until predicate() is true; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what or predicate!r}\n"
                    + self.describe()
                )
            await asyncio.sleep(0.01)

    async def wait_idle(self, quiet: float = 0.05, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot took every update and made no call for `quiet` seconds."""

        def idle() -> bool:
            return (
                not self._updates
                and self._in_flight == int(self.polling)
                and time.monotonic() - self._last_activity >= quiet
            )

        await self.wait_for(idle, timeout, what="the bot to go idle")

    def _notify(self) -> None:
        """Wake every long poll."""
        self._changed.set()
        self._changed = asyncio.Event()


def max_in_window(times: list[float], window: float) -> int:
    """Most timestamps within any half-open window (t - window, t]."""
    times = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - window:
            start += 1
        best = max(best, end - start + 1)
    return best


def scope_key(scope: JSON | None) -> str:
    """'default', 'all_private_chats', 'chat:<id>', 'chat_member:<chat>:<user>', ..."""
    if not scope:
        return "default"
    parts = [scope["type"]] + [str(scope[k]) for k in ("chat_id", "user_id") if k in scope]
    return ":".join(parts)
