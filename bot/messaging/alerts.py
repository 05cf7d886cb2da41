"""ERROR_CHAT: log records tagged extra={"alert": kind} are also sent to a chat of humans.

A logging handler picks the tagged records (the secret filter blanks them first), the domain's
AlertThrottle lets one per kind through every 10 minutes by the services' clock, and a task
sends each through the bulk bot at the shared rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from telegram.error import TelegramError

from bot import redaction
from bot.domain.alerts import AlertThrottle, alert_text
from bot.domain.clock import Clock
from bot.messaging.context import Services

logger = logging.getLogger(__name__)

SEND_ATTEMPTS = 3  # an alert Telegram refuses (a 5xx, a timeout) is tried again, 1 s then 2 s later


class AlertHandler(logging.Handler):
    """Queues the alert-tagged records the throttle lets through; thread-safe."""

    def __init__(self, clock: Clock, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(logging.WARNING)
        self.clock = clock
        self.loop = loop
        self.throttle = AlertThrottle()
        self.queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self.addFilter(redaction.SECRETS)

    def emit(self, record: logging.LogRecord) -> None:
        kind = getattr(record, "alert", None)
        if not isinstance(kind, str) or not self.throttle.allow(kind, self.clock.now()):
            return
        item = (kind, record.getMessage())
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)


@contextlib.asynccontextmanager
async def reporting_errors(services: Services) -> AsyncIterator[None]:
    """While inside, alerts go to ERROR_CHAT (nothing happens when it is not set)."""
    chat = services.settings.error_chat
    if chat is None:
        yield
        return
    handler = AlertHandler(services.clock, asyncio.get_running_loop())
    root = logging.getLogger()
    root.addHandler(handler)
    sending = asyncio.create_task(_send_alerts(services, chat, handler.queue), name="alerts")
    try:
        yield
    finally:
        root.removeHandler(handler)
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending


async def _send_alerts(
    services: Services, chat: int, queue: asyncio.Queue[tuple[str, str]]
) -> None:
    bot = services.sender.bot
    while True:
        kind, message = await queue.get()
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                await services.limiter.acquire()
                await bot.send_message(chat, alert_text(kind, message))
                break
            except (TelegramError, OSError) as exc:
                if attempt == SEND_ATTEMPTS:
                    # Not tagged: a failing ERROR_CHAT must not report itself.
                    logger.warning("could not send an alert to ERROR_CHAT %d: %s", chat, exc)
                else:
                    await asyncio.sleep(attempt)
