"""The send loops newsbot's Sender is compared with in bench/delivery.py (part c).

Both send one message to each chat with `in_flight` sends at once, no outbox and no rate
limit: PTB's `bot.send_message` over its default HTTPXRequest with one connection pool as
wide as the sends in flight (what a user of PTB would write), and a bare aiohttp client
posting the JSON itself and reading only the `ok` of each answer (about the least CPU
Python can send a message with).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence

import aiohttp
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.request import HTTPXRequest


class Measured:
    """Messages sent, wall seconds and CPU seconds of this process over a loop."""

    def __init__(self) -> None:
        self.sent = 0
        self.errors = 0
        self.seconds = 0.0
        self.cpu_seconds = 0.0


async def in_parallel(
    chats: Sequence[int], in_flight: int, send: Callable[[int], Awaitable[bool]]
) -> Measured:
    """Send to every chat with `in_flight` workers; time the whole of it (wall and CPU)."""
    result = Measured()
    queue = iter(chats)

    async def worker() -> None:
        for chat in queue:
            if await send(chat):
                result.sent += 1
            else:
                result.errors += 1

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    result.seconds = time.perf_counter() - started
    result.cpu_seconds = time.process_time() - cpu
    return result


async def ptb_loop(
    base_url: str, token: str, chats: Sequence[int], text: str, in_flight: int
) -> Measured:
    """PTB's Bot over one HTTPXRequest pool of `in_flight` connections."""
    request = HTTPXRequest(connection_pool_size=in_flight, pool_timeout=30.0)
    async with Bot(token, base_url=base_url, request=request) as bot:

        async def send(chat: int) -> bool:
            try:
                await bot.send_message(
                    chat, text, parse_mode=ParseMode.HTML, allow_paid_broadcast=True
                )
            except TelegramError:
                return False
            return True

        return await in_parallel(chats, in_flight, send)


async def aiohttp_loop(
    base_url: str, token: str, chats: Sequence[int], text: str, in_flight: int
) -> Measured:
    """A bare aiohttp session posting sendMessage as JSON."""
    url = f"{base_url}{token}/sendMessage"
    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def send(chat: int) -> bool:
            body = {
                "chat_id": chat,
                "text": text,
                "parse_mode": "HTML",
                "allow_paid_broadcast": True,
            }
            async with session.post(url, data=json.dumps(body), headers=JSON) as response:
                answer = json.loads(await response.read())
            return bool(answer.get("ok"))

        return await in_parallel(chats, in_flight, send)


JSON = {"Content-Type": "application/json"}
