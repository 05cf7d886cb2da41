"""Sending the outbox: claim rows, send each at the shared rate, record each outcome."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import uuid
from datetime import timedelta

from telegram import LinkPreviewOptions
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.domain.alerts import AlertKind
from bot.domain.clock import SYSTEM_CLOCK, Clock
from bot.domain.outages import OutageLog
from bot.domain.outbox import DeliveryJob, Failed, Outcome, Retry, Sent
from bot.domain.pacing import RateLimiter
from bot.domain.refusals import chat_gone, topic_gone
from bot.domain.waiting import sleep_unless
from bot.messaging.changes import ChangeApplier
from bot.messaging.compose import compose
from bot.messaging.group_limit import GROUP_LIMIT, GROUP_WINDOW, GroupFull, GroupLimit
from bot.messaging.held_leases import HeldLeases
from bot.messaging.job_queue import ClaimedJobs
from bot.messaging.pacing import limiter_rate, retry_seconds
from bot.messaging.transport import BulkBot, concurrency_for
from bot.settings import Settings
from bot.telemetry import Metrics
from storage.store import Store

logger = logging.getLogger(__name__)

MAX_BACKOFF = 300.0
IDLE_POLL = 1.0  # seconds between looks at the outbox when it was empty
# Log records that also go to ERROR_CHAT (bot.messaging.alerts).
_FAILED = {"alert": AlertKind.DELIVERY_FAILED}
_RIGHTS = {"alert": AlertKind.CHANNEL_RIGHTS}
# A row is sent only while its lease has this share of LEASE_SECONDS left: room for the
# request to reach Telegram before another sender may take the row over.
SEND_MARGIN = 0.1
# Seconds the recorder gathers outcomes before writing them (one transaction for all).
RECORD_WAIT = 0.05
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def new_owner() -> str:
    """A name for this sender that no other process will have."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


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
        bot: BulkBot,
        limiter: RateLimiter,
        settings: Settings,
        *,
        concurrency: int | None = None,
        owner: str | None = None,
        retry_base: float = 1.0,
        group_limit: tuple[int, timedelta] = (GROUP_LIMIT, GROUP_WINDOW),
        clock: Clock = SYSTEM_CLOCK,
        metrics: Metrics | None = None,
    ) -> None:
        self.clock = clock
        self.metrics = metrics or Metrics()
        self.store = store
        self.bot = bot
        self.limiter = limiter
        self.settings = settings
        self.owner = owner or new_owner()
        self.concurrency = concurrency or concurrency_for(limiter_rate(limiter))
        # Set by run(): only this broadcast's rows (the CLI's `newsbot broadcast`), or all.
        self.broadcast_id: int | None = None
        self.lease = timedelta(seconds=settings.lease_seconds)
        self.retry_base = retry_base
        self.group_limit = GroupLimit(store, group_limit)
        self._jobs: asyncio.Queue[DeliveryJob | None] = ClaimedJobs()
        self._outcomes: asyncio.Queue[Outcome] = asyncio.Queue()
        self._held = HeldLeases(store, self.owner, self.lease)
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
        # Edits and deletions of notes already sent, claimed when no delivery is due.
        self.changes = ChangeApplier(store, bot, limiter, settings, self.owner, self.concurrency)
        self.changes.clock = clock

    def wake(self) -> None:
        """New rows were queued: look now instead of at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event, *, broadcast_id: int | None = None) -> None:
        """Send until `stop` is set, then finish the sends in flight and give back the rest.

        With `broadcast_id`, only that broadcast's rows are claimed.
        """
        self.broadcast_id = broadcast_id
        watcher = asyncio.create_task(self._watch(stop))
        workers = [
            asyncio.create_task(self._work(), name=f"sender-{i}") for i in range(self.concurrency)
        ]
        recorder = asyncio.create_task(self._record())
        heartbeat = asyncio.create_task(self._held.keep(lambda: self.clock.now(), self._database))
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
                await sleep_unless(self._wake, IDLE_POLL)
                continue
            now = self.clock.now()
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
                await sleep_unless(self._wake, IDLE_POLL)
                continue
            self._database.ok()
            # The database's deadline, not a later one: the claim may have taken a while.
            self._held.hold((job.id for job in jobs), now + self.lease)
            for job in jobs:
                self._jobs.put_nowait(job)
            if not jobs and not await self.changes.apply_batch(self._stopped, self.broadcast_id):
                await sleep_unless(self._wake, IDLE_POLL)

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
            self.metrics.note(job, outcome)
            if outcome is None:
                self._held.drop(job.id)
            else:
                self._outcomes.put_nowait(outcome)

    async def _record(self) -> None:
        while True:
            batch = [await self._outcomes.get()]
            # Outcomes come one send at a time: a moment's wait makes one write of many.
            await asyncio.sleep(RECORD_WAIT)
            while not self._outcomes.empty():
                batch.append(self._outcomes.get_nowait())
            delay = 0.2
            while True:
                try:
                    await self.store.record_outcomes(batch, self.clock.now(), self.owner)
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
                self._held.drop(outcome.delivery_id)
                self._outcomes.task_done()

    async def deliver(self, job: DeliveryJob) -> Outcome | None:
        """Send one row; None when the store was already updated (blocked or moved chat)."""
        try:
            sent = await self._send(job)
        except _Stopped:
            return Retry(job.id, self.clock.now(), "stopped before sending", count=False)
        except _LeaseLost:
            # Another sender may have the row by now (this process was paused, or the
            # database out of reach): sending or recording it here could send it twice.
            logger.warning("lease of delivery %d expired before its send: skipped", job.id)
            return None
        except GroupFull as full:
            return Retry(job.id, full.until, "group rate limit", count=False)
        except RetryAfter as exc:
            seconds = retry_seconds(exc.retry_after)
            logger.warning("Telegram asked to slow down: pausing all sends for %.0f s", seconds)
            self.metrics.told_to_wait(seconds)
            await self.limiter.pause(seconds)
            return Retry(
                job.id, self.clock.now() + timedelta(seconds=seconds), str(exc), count=False
            )
        except Forbidden as exc:
            # A group or channel that kicked the bot or took its rights: worth telling a human.
            level, tag = (logging.INFO, {}) if job.chat_id > 0 else (logging.WARNING, _RIGHTS)
            logger.log(
                level,
                "chat %d refused the bot (%s): marked inactive",
                job.chat_id,
                exc.message,
                extra=tag,
            )
            await self.store.block_chat(job.chat_id, exc.message, self.clock.now())
            return None
        except ChatMigrated as exc:
            logger.info("chat %d became supergroup %d: moved", job.chat_id, exc.new_chat_id)
            await self.store.migrate_chat(job.chat_id, exc.new_chat_id, self.clock.now())
            self.wake()
            return None
        except BadRequest as exc:
            return await self._bad_request(job, exc)
        except InvalidToken:
            logger.critical("Telegram rejected the bot token: sending is stuck until it is fixed")
            return self._retry(job, "invalid token")
        except (NetworkError, TelegramError) as exc:  # timeouts, 5xx, connection errors
            return self._retry(job, f"{type(exc).__name__}: {exc.message}")
        return sent

    async def _bad_request(self, job: DeliveryJob, exc: BadRequest) -> Outcome | None:
        text = exc.message.lower()
        if chat_gone(text):
            await self.store.block_chat(job.chat_id, exc.message, self.clock.now())
            return None
        if job.thread_id and topic_gone(text):
            logger.info("forum topic %d of chat %d is gone (%s)", job.thread_id, job.chat_id, text)
            await self.store.forget_thread(job.chat_id, job.thread_id, exc.message)
            return None
        if "can't parse entities" in text:
            # Our HTML is wrong: a bug. Sending it again would fail the same way.
            logger.error(
                "BUG: Telegram could not parse the HTML of delivery %d (%s): %r",
                job.id,
                exc.message,
                job.html or job.title,
                extra=_FAILED,
            )
        else:
            logger.error(
                "Telegram refused delivery %d to chat %d: %s",
                job.id,
                job.chat_id,
                exc,
                extra=_FAILED,
            )
        return Failed(job.id, exc.message)

    def _retry(self, job: DeliveryJob, error: str) -> Outcome:
        attempt = job.attempts + 1
        if attempt >= self.settings.max_attempts:
            logger.warning(
                "giving up on delivery %d to chat %d: %s", job.id, job.chat_id, error, extra=_FAILED
            )
            return Failed(job.id, error)
        # Exponential backoff with full jitter, so many failed rows do not retry in step.
        delay = random.uniform(0.5, 1.0) * min(MAX_BACKOFF, self.retry_base * 2.0**attempt)
        return Retry(job.id, self.clock.now() + timedelta(seconds=delay), error)

    async def _send(self, job: DeliveryJob) -> Sent:
        """Send the row's note: the new message's id, and its photo (edits need to know)."""
        outgoing = compose(job, site_url=self.settings.site_url)
        # Paid broadcasts go past the free ~30 messages a second, at a price per message.
        paid = self.settings.paid_broadcast or None
        # Inside the chat's quiet hours (breaking news, a broadcast), without a sound.
        silent = job.silent or None
        await self._slot(job)
        if outgoing.photo is not None:
            try:
                message_id = await self.bot.send_note(
                    job.chat_id,
                    outgoing.html,
                    photo=outgoing.photo,
                    reply_markup=outgoing.markup,
                    allow_paid_broadcast=paid,
                    message_thread_id=job.thread_id or None,
                    disable_notification=silent,
                )
                return Sent(job.id, message_id, outgoing.photo)
            except BadRequest as exc:
                text = exc.message.lower()
                if "can't parse entities" in text or chat_gone(text) or topic_gone(text):
                    raise  # about the note or the chat, not the photo
                logger.info(
                    "Telegram refused photo %s (%s): sending text", outgoing.photo, exc.message
                )
            await self._slot(job)
        return Sent(job.id, await self.bot.send_note(
            job.chat_id,
            outgoing.html,
            reply_markup=outgoing.markup,
            allow_paid_broadcast=paid,
            message_thread_id=job.thread_id or None,
            disable_notification=silent,
            link_preview_options=None if outgoing.previews else NO_PREVIEW,
        ))

    async def _slot(self, job: DeliveryJob) -> None:
        """Wait for a send slot and the group's limit, then check the row is still ours."""
        slot = asyncio.ensure_future(self.limiter.acquire(ahead=job.breaking))
        await asyncio.wait({slot, self._stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not slot.done():
            slot.cancel()
            raise _Stopped
        await self.group_limit.claim(job.chat_id)
        # The waits can outlast the lease (a pause, a SIGSTOP): checked last, just before sending.
        held_until = self._held.until(job.id)
        if held_until is None or held_until - SEND_MARGIN * self.lease <= self.clock.now():
            raise _LeaseLost


class _Stopped(Exception):
    """The sender stopped while a delivery waited for its slot."""


class _LeaseLost(Exception):
    """The row's lease ran out (or passed to another sender) before its send."""
