"""Pacing every message against the schedule all processes share, PTB's replies included."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.domain.pacing import RateLimiter
from bot.settings import Settings
from storage.store import Store

RATE_CLOCK = "telegram"

# Methods that put a message in a chat: Telegram's flood limits count these.
PACED_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendAnimation",
        "sendAudio",
        "sendVoice",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    }
)


def shared_limiter(settings: Settings, store: Store) -> RateLimiter:
    """The limiter for this process, pacing against the schedule every process shares."""

    async def reserve(count: int, interval: float, now: float) -> float:
        return await store.reserve_slots(RATE_CLOCK, count, interval, now)

    async def pause(until: float) -> None:
        await store.pause_sending(RATE_CLOCK, until)

    return RateLimiter(settings.send_rate, reserve, pause)


def limiter_rate(limiter: RateLimiter) -> float:
    """Messages per second the limiter lets through."""
    return 1.0 / limiter.interval


def retry_seconds(retry_after: int | timedelta) -> float:
    """RetryAfter.retry_after in seconds, whichever type PTB gives it as."""
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)


class TelegramRateLimiter(BaseRateLimiter[None]):
    """Puts the replies PTB sends for handlers through the shared limiter, ahead of bulk."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        # The limiter belongs to the process's services: the assembly closes it, last.
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint not in PACED_METHODS:
            return await callback(*args, **kwargs)
        await self.limiter.acquire(urgent=True)
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            await self.limiter.pause(retry_seconds(exc.retry_after))
            await self.limiter.acquire(urgent=True)
            return await callback(*args, **kwargs)
