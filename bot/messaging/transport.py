"""The HTTP side of the Bot API: sharded connection pools, the bulk sender's bot, Defaults."""

from __future__ import annotations

import itertools
import math
from typing import Any

from telegram.constants import ParseMode
from telegram.ext import Defaults, ExtBot
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.settings import Settings

# Every text the bot sends is Telegram HTML: said once, for the Application and the bulk bot.
DEFAULTS = Defaults(parse_mode=ParseMode.HTML)


class ShardedRequest(BaseRequest):
    """Spreads requests over several small HTTP connection pools.

    httpx looks at every connection of its pool for each request, so one pool as wide as
    hundreds of sends in flight costs more CPU per message than the send itself; pools of
    about 16 connections keep that cost flat.
    """

    POOL = 16

    def __init__(self, connections: int, timeout: float) -> None:
        shards = max(1, math.ceil(connections / self.POOL))
        self._shards = [
            HTTPXRequest(
                connection_pool_size=self.POOL,
                read_timeout=timeout,
                write_timeout=timeout,
                pool_timeout=timeout,
            )
            for _ in range(shards)
        ]
        self._next = itertools.cycle(self._shards)

    @property
    def read_timeout(self) -> float | None:
        return self._shards[0].read_timeout

    async def initialize(self) -> None:
        for shard in self._shards:
            await shard.initialize()

    async def shutdown(self) -> None:
        for shard in self._shards:
            await shard.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        return await next(self._next).do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )


def sender_bot(settings: Settings, concurrency: int, *, timeout: float = 15.0) -> ExtBot[None]:
    """A bot for bulk sends, with connections for as many sends as are in flight.

    An ExtBot rather than a plain Bot: only ExtBot takes Defaults (parse_mode=HTML).
    """
    request = ShardedRequest(concurrency, timeout)
    return ExtBot(
        settings.require_token(), base_url=settings.api_url, request=request, defaults=DEFAULTS
    )


def concurrency_for(rate: float) -> int:
    """Sends in flight needed to keep up with `rate` when Telegram takes ~0.25 s to answer."""
    return max(8, min(256, math.ceil(rate * 0.25)))
