"""Sending the outbox: claim rows, send each at the shared rate, record each outcome."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import os
import random
import socket
import uuid
from collections import defaultdict
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import BaseRateLimiter
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.domain.callbacks import shorten, unsubscribe_data
from bot.domain.notes import render_post
from bot.domain.outages import OutageLog
from bot.domain.outbox import DeliveryJob, Failed, Outcome, Retry, Sent
from bot.domain.pacing import RateLimiter
from bot.domain.urls import is_web_url
from bot.settings import Settings
from storage.store import Store

logger = logging.getLogger(__name__)

RATE_CLOCK = "telegram"
GROUP_LIMIT = 20  # messages per minute to one group (Telegram's documented limit)
GROUP_WINDOW = timedelta(minutes=1)
MAX_BACKOFF = 300.0
IDLE_POLL = 1.0  # seconds between looks at the outbox when it was empty
# A row is sent only while its lease has this share of LEASE_SECONDS left: room for the
# request to reach Telegram before another sender may take the row over.
SEND_MARGIN = 0.1

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


def new_owner() -> str:
    """A name for this sender that no other process will have."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def shared_limiter(settings: Settings, store: Store) -> RateLimiter:
    """The limiter for this process, pacing against the schedule every process shares."""

    async def reserve(count: int, interval: float, now: float) -> float:
        return await store.reserve_slots(RATE_CLOCK, count, interval, now)

    async def pause(until: float) -> None:
        await store.pause_sending(RATE_CLOCK, until)

    return RateLimiter(settings.send_rate, reserve, pause)


class TelegramRateLimiter(BaseRateLimiter[None]):
    """Puts the replies PTB sends for handlers through the shared limiter, ahead of bulk."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        await self.limiter.close()

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
            await self.limiter.pause(_seconds(exc.retry_after))
            await self.limiter.acquire(urgent=True)
            return await callback(*args, **kwargs)


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


def sender_bot(settings: Settings, concurrency: int, *, timeout: float = 15.0) -> Bot:
    """A Bot for bulk sends, with connections for as many sends as are in flight."""
    request = ShardedRequest(concurrency, timeout)
    return Bot(settings.require_token(), base_url=settings.api_url, request=request)


def concurrency_for(rate: float) -> int:
    """Sends in flight needed to keep up with `rate` when Telegram takes ~0.25 s to answer."""
    return max(8, min(256, math.ceil(rate * 0.25)))


class Sender:
    """Works through the outbox until told to stop.

    Rows are claimed in batches under a lease, sent concurrently at the shared rate, and
    each outcome is written after its send. A process killed mid-batch leaves leased rows
    that any sender claims again once the lease expires: those already sent but not yet
    recorded (at most the sends in flight and one pending write) are sent twice; nothing
    is lost. The same holds for a process paused (SIGSTOP) past the lease: each row's lease
    is checked right before its send, so after the pause it sends nothing it no longer
    holds, and only the sends that were in flight when it stopped can go twice.
    """

    def __init__(
        self,
        store: Store,
        bot: Bot,
        limiter: RateLimiter,
        settings: Settings,
        *,
        concurrency: int | None = None,
        broadcast_id: int | None = None,
        owner: str | None = None,
        retry_base: float = 1.0,
        group_limit: tuple[int, timedelta] = (GROUP_LIMIT, GROUP_WINDOW),
    ) -> None:
        self.store = store
        self.bot = bot
        self.limiter = limiter
        self.settings = settings
        self.owner = owner or new_owner()
        self.concurrency = concurrency or concurrency_for(limiter_rate(limiter))
        self.broadcast_id = broadcast_id
        self.lease = timedelta(seconds=settings.lease_seconds)
        self.retry_base = retry_base
        self.group_limit = group_limit
        self._group_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._group_sends: dict[int, list[datetime]] = {}
        self._jobs: asyncio.Queue[DeliveryJob | None] = asyncio.Queue()
        self._outcomes: asyncio.Queue[Outcome] = asyncio.Queue()
        # When the lease of each row this sender holds ends, as far as it knows: set at the
        # claim, moved by the heartbeat for the rows the database says are still ours, and
        # dropped once the row's outcome is written or the row is lost.
        self._held_until: dict[int, datetime] = {}
        self._wake = asyncio.Event()
        # One line when the database goes away and one when it is back, not one per retry.
        self._database = OutageLog(
            logger,
            "database unreachable: sending paused until it is back",
            "database back: sending again",
        )
        # Done once the sender stops taking work; a future, so waits can race it cheaply.
        self._stopped: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.sent = 0

    def wake(self) -> None:
        """New rows were queued: look now instead of at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set, then finish the sends in flight and give back the rest."""
        watcher = asyncio.create_task(self._watch(stop))
        workers = [
            asyncio.create_task(self._work(), name=f"sender-{i}") for i in range(self.concurrency)
        ]
        recorder = asyncio.create_task(self._record())
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            await self._feed()
        finally:
            self._stop_now()
            # Each worker finishes the send it is in; those waiting for a slot give up theirs.
            await asyncio.gather(*workers, return_exceptions=True)
            await self._outcomes.join()
            for task in (recorder, heartbeat, watcher):
                task.cancel()
            await asyncio.gather(recorder, heartbeat, watcher, return_exceptions=True)
            released = await self.store.release_leases(self.owner)
            if released:
                logger.info("gave back %d claimed deliveries that were not sent", released)

    async def _watch(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._stop_now()

    def _stop_now(self) -> None:
        """Stop taking jobs: queued ones stay claimed until release_leases gives them back."""
        if self._stopped.done():
            return
        self._stopped.set_result(None)
        self._wake.set()
        while not self._jobs.empty():
            self._jobs.get_nowait()
        for _ in range(self.concurrency):
            self._jobs.put_nowait(None)  # one "no more work" per worker

    async def _feed(self) -> None:
        while not self._stopped.done():
            # Cleared before looking, so a wake-up that comes while we claim is not lost.
            self._wake.clear()
            if self._jobs.qsize() > self.concurrency // 2:
                # Workers set _wake when they take the queue down to half.
                await self._sleep(IDLE_POLL)
                continue
            now = _now()
            try:
                jobs = await self.store.claim_deliveries(
                    self.owner,
                    self.concurrency,
                    now,
                    self.lease,
                    broadcast_id=self.broadcast_id,
                )
            except Exception as exc:
                # The database may be back in a moment; the sender must outlive it.
                self._database.failed(exc)
                await self._sleep(IDLE_POLL)
                continue
            self._database.ok()
            # The database's deadline, not a later one: the claim may have taken a while.
            held_until = now + self.lease
            for job in jobs:
                self._held_until[job.id] = held_until
                self._jobs.put_nowait(job)
            if not jobs:
                await self._sleep(IDLE_POLL)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _work(self) -> None:
        while (job := await self._jobs.get()) is not None:
            if self._jobs.qsize() <= self.concurrency // 2:
                self._wake.set()
            try:
                outcome = await self.deliver(job)
            except Exception:
                logger.exception(
                    "unexpected error sending delivery %d to chat %d", job.id, job.chat_id
                )
                outcome = self._retry(job, "internal error (see log)")
            if outcome is None:
                self._held_until.pop(job.id, None)
            else:
                self._outcomes.put_nowait(outcome)

    async def _record(self) -> None:
        while True:
            batch = [await self._outcomes.get()]
            while not self._outcomes.empty():
                batch.append(self._outcomes.get_nowait())
            delay = 0.2
            while True:
                try:
                    await self.store.record_outcomes(batch, _now(), self.owner)
                    self._database.ok()
                    break
                except Exception as exc:
                    # Keep the outcomes until the database takes them: a dropped "sent" would
                    # be sent again once its lease is given back.
                    self._database.failed(exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
            self.sent += sum(isinstance(o, Sent) for o in batch)
            for outcome in batch:
                self._held_until.pop(outcome.delivery_id, None)
                self._outcomes.task_done()

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            held = list(self._held_until)
            if not held:
                continue
            until = _now() + self.lease
            try:
                kept = set(await self.store.extend_leases(self.owner, held, until))
                self._database.ok()
            except Exception as exc:
                self._database.failed(exc)
                continue
            lost = 0
            for delivery_id in held:
                if delivery_id not in self._held_until:
                    continue  # recorded meanwhile
                if delivery_id in kept:
                    self._held_until[delivery_id] = until
                else:
                    # Another sender took it over after our lease ran out: not ours to send.
                    del self._held_until[delivery_id]
                    lost += 1
            if lost:
                logger.warning("%d claimed deliveries were taken over by another sender", lost)

    async def deliver(self, job: DeliveryJob) -> Outcome | None:
        """Send one row; None when the store was already updated (blocked or moved chat)."""
        try:
            message = await self._send(job)
        except _Stopped:
            return Retry(job.id, _now(), "stopped before sending", count=False)
        except _LeaseLost:
            # Another sender may have the row by now (this process was paused, or the
            # database out of reach): sending or recording it here could send it twice.
            logger.warning("lease of delivery %d expired before its send: skipped", job.id)
            return None
        except _GroupFull as full:
            return Retry(job.id, full.until, "group rate limit", count=False)
        except RetryAfter as exc:
            seconds = _seconds(exc.retry_after)
            logger.warning("Telegram asked to slow down: pausing all sends for %.0f s", seconds)
            await self.limiter.pause(seconds)
            return Retry(job.id, _now() + timedelta(seconds=seconds), str(exc), count=False)
        except Forbidden as exc:
            logger.info("chat %d refused the bot (%s): marked inactive", job.chat_id, exc.message)
            await self.store.block_chat(job.chat_id, exc.message, _now())
            return None
        except ChatMigrated as exc:
            logger.info("chat %d became supergroup %d: moved", job.chat_id, exc.new_chat_id)
            await self.store.migrate_chat(job.chat_id, exc.new_chat_id, _now())
            self.wake()
            return None
        except BadRequest as exc:
            return await self._bad_request(job, exc)
        except InvalidToken:
            logger.critical("Telegram rejected the bot token: sending is stuck until it is fixed")
            return self._retry(job, "invalid token")
        except (NetworkError, TelegramError) as exc:  # timeouts, 5xx, connection errors
            return self._retry(job, f"{type(exc).__name__}: {exc.message}")
        return Sent(job.id, message.message_id)

    async def _bad_request(self, job: DeliveryJob, exc: BadRequest) -> Outcome | None:
        text = exc.message.lower()
        if _chat_gone(text):
            await self.store.block_chat(job.chat_id, exc.message, _now())
            return None
        if "can't parse entities" in text:
            # Our HTML is wrong: a bug. Sending it again would fail the same way.
            logger.error(
                "BUG: Telegram could not parse the HTML of delivery %d (%s): %r",
                job.id,
                exc.message,
                job.html or job.title,
            )
        else:
            logger.error("Telegram refused delivery %d to chat %d: %s", job.id, job.chat_id, exc)
        return Failed(job.id, exc.message)

    def _retry(self, job: DeliveryJob, error: str) -> Outcome:
        attempt = job.attempts + 1
        if attempt >= self.settings.max_attempts:
            logger.warning("giving up on delivery %d to chat %d: %s", job.id, job.chat_id, error)
            return Failed(job.id, error)
        # Exponential backoff with full jitter, so many failed rows do not retry in step.
        delay = random.uniform(0.5, 1.0) * min(MAX_BACKOFF, self.retry_base * 2.0**attempt)
        return Retry(job.id, _now() + timedelta(seconds=delay), error)

    async def _claim_group_send(self, chat_id: int) -> None:
        """Count a send to a group against its limit, or raise _GroupFull (20 per minute).

        Sends recorded by every process are in the database; sends this process has in
        flight are only here, so the larger of the two counts.
        """
        if chat_id >= 0:
            return
        limit, window = self.group_limit
        async with self._group_locks[chat_id]:
            now = _now()
            recorded = await self.store.sent_times(chat_id, now - window)
            local = [t for t in self._group_sends.get(chat_id, []) if t > now - window]
            times = max(recorded, local, key=len)
            if len(times) >= limit:
                raise _GroupFull(times[-limit] + window)
            self._group_sends[chat_id] = [*local, now]

    async def _send(self, job: DeliveryJob) -> Message:
        extra: dict[str, Any] = {"parse_mode": ParseMode.HTML}
        if self.settings.paid_broadcast:
            extra["allow_paid_broadcast"] = True
        if job.post_id is None:
            await self._slot(job)
            return await self.bot.send_message(job.chat_id, job.html, **extra)

        note = render_post(
            title=job.title,
            excerpt=job.excerpt,
            url=job.url,
            topics=[t.name for t in job.topics],
            photo=_web_photo(job.image_url),
        )
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        f"Unsubscribe from {shorten(t.name, 40)}",
                        callback_data=unsubscribe_data(t.key),
                    )
                ]
                for t in job.topics
            ]
        )
        await self._slot(job)
        if note.photo is not None:
            try:
                return await self.bot.send_photo(
                    job.chat_id, note.photo, caption=note.html, reply_markup=markup, **extra
                )
            except BadRequest as exc:
                text = exc.message.lower()
                if "can't parse entities" in text or _chat_gone(text):
                    raise  # about the note or the chat, not the photo
                logger.info("Telegram refused photo %s (%s): sending text", note.photo, exc.message)
            except (ValueError, TypeError) as exc:
                # PTB checks a photo before sending it (a file:// URI, say): a refusal too.
                logger.warning("could not send photo %r (%s): sending text", note.photo, exc)
            await self._slot(job)
        return await self.bot.send_message(job.chat_id, note.html, reply_markup=markup, **extra)

    async def _slot(self, job: DeliveryJob) -> None:
        """Wait for a send slot and the group's limit, then check the row is still ours."""
        slot = asyncio.ensure_future(self.limiter.acquire())
        await asyncio.wait({slot, self._stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not slot.done():
            slot.cancel()
            raise _Stopped
        await self._claim_group_send(job.chat_id)
        # The waits can outlast the lease (a pause, a SIGSTOP): checked last, just before sending.
        held_until = self._held_until.get(job.id)
        if held_until is None or held_until - SEND_MARGIN * self.lease <= _now():
            raise _LeaseLost


class _Stopped(Exception):
    """The sender stopped while a delivery waited for its slot."""


class _LeaseLost(Exception):
    """The row's lease ran out (or passed to another sender) before its send."""


class _GroupFull(Exception):
    """The group had its share of messages for now; try again at `until`."""

    def __init__(self, until: datetime) -> None:
        self.until = until


def _chat_gone(error: str) -> bool:
    """Whether a lower-cased BadRequest message says the chat does not exist."""
    return "chat not found" in error or "peer_id_invalid" in error


def _web_photo(url: str | None) -> str | None:
    """url when PTB will hand it to Telegram as a URL; None for anything it might upload.

    PTB uploads any string that names an existing local file, so only http(s) URLs go,
    and not even those if a file happens to bear the name (relative to the working folder).
    """
    if url is None or not is_web_url(url):
        return None
    try:
        if Path(url).exists():
            return None
    except (OSError, ValueError):  # a name too long for a path, a NUL byte
        return None
    return url


def limiter_rate(limiter: RateLimiter) -> float:
    return 1.0 / limiter.interval


def _seconds(retry_after: int | timedelta) -> float:
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)


def _now() -> datetime:
    return datetime.now(UTC)
