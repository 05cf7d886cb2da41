"""Applying changes to notes already sent: edits in place and deletions, at the shared rate.

The sender's claim loop calls `ChangeApplier.apply_batch` when it found no delivery due, so
corrections, retractions, broadcast edits and recalls go behind every new note. A batch is
claimed under a lease like deliveries, each change is applied after a slot of the shared rate
limiter (and only while its lease holds), and the outcomes are written together. A change
applied twice (a crash between the call and the write) is harmless: Telegram answers "message
is not modified" or "message to delete not found", and both count as done.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from datetime import datetime, timedelta

from telegram import Bot, InputMediaPhoto
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.domain.changes import ChangeJob, ChangeOutcome
from bot.domain.clock import SYSTEM_CLOCK, Clock
from bot.domain.outages import OutageLog
from bot.domain.pacing import RateLimiter
from bot.domain.states import ChangeKind, ChangeState
from bot.messaging.compose import compose, web_photo
from bot.messaging.pacing import retry_seconds
from bot.settings import Settings
from storage.store import Store

logger = logging.getLogger(__name__)

MAX_BACKOFF = 300.0
SEND_MARGIN = 0.1  # share of the lease that must be left when a change goes (as for sends)

# Telegram's answers that mean the change is in place already.
_ALREADY_DONE = ("message is not modified", "message to delete not found")
# Telegram's answers that mean it will never allow this change: left alone, and counted.
_NOT_ALLOWED = (
    "can't be edited",
    "can't be deleted",
    "message to edit not found",
    "chat not found",
    "not enough rights",
    "have no rights",
)


class ChangeApplier:
    """Claims due changes in batches and applies each in place through the bulk bot."""

    def __init__(
        self,
        store: Store,
        bot: Bot,
        limiter: RateLimiter,
        settings: Settings,
        owner: str,
        batch: int,
        *,
        retry_base: float = 1.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.store, self.bot, self.limiter, self.settings = store, bot, limiter, settings
        self.owner, self.batch, self.retry_base, self.clock = owner, batch, retry_base, clock
        self.lease = timedelta(seconds=settings.lease_seconds)
        self.applied = 0
        self._database = OutageLog(
            logger,
            "database unreachable: changes to sent notes paused until it is back",
            "database back: changing sent notes again",
        )

    async def apply_batch(
        self, stopped: asyncio.Future[None], broadcast_id: int | None = None
    ) -> int:
        """Claim and apply one batch of due changes (one broadcast's only, if given); how many
        were claimed (0: nothing to do, or the database is away)."""
        now = self.clock.now()
        try:
            jobs = await self.store.claim_changes(
                self.owner, self.batch, now, self.lease, broadcast_id=broadcast_id
            )
        except Exception as exc:
            self._database.failed(exc)
            return 0
        self._database.ok()
        if not jobs:
            return 0
        held_until = now + self.lease
        results = await asyncio.gather(*(self._apply(job, held_until, stopped) for job in jobs))
        outcomes = [outcome for outcome in results if outcome is not None]
        await self._record(outcomes)
        self.applied += sum(o.state == ChangeState.DONE for o in outcomes)
        return len(jobs)

    async def _record(self, outcomes: list[ChangeOutcome]) -> None:
        delay = 0.2
        while True:
            try:
                await self.store.record_changes(outcomes, self.clock.now(), self.owner)
                self._database.ok()
                return
            except Exception as exc:
                # Kept until the database takes them; applying them again would be harmless,
                # but the counts would be off.
                self._database.failed(exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _apply(
        self, job: ChangeJob, held_until: datetime, stopped: asyncio.Future[None]
    ) -> ChangeOutcome | None:
        chat_id = job.note.chat_id
        try:
            await self._slot(held_until, stopped)
            if job.kind == ChangeKind.DELETE:
                await self.bot.delete_message(chat_id, job.message_id)
                return ChangeOutcome(job.id, ChangeState.DONE)
            return ChangeOutcome(job.id, ChangeState.DONE, photo=await self._edit(job))
        except _Stopped:
            return ChangeOutcome(
                job.id, ChangeState.PENDING, "stopped", not_before=self.clock.now(), count=False
            )
        except _LeaseLost:
            logger.warning("lease of note change %d expired before it was applied: skipped", job.id)
            return None
        except RetryAfter as exc:
            seconds = retry_seconds(exc.retry_after)
            await self.limiter.pause(seconds)
            later = self.clock.now() + timedelta(seconds=seconds)
            return ChangeOutcome(job.id, ChangeState.PENDING, str(exc), later, count=False)
        except (Forbidden, ChatMigrated) as exc:
            return ChangeOutcome(job.id, ChangeState.REFUSED, exc.message)
        except BadRequest as exc:
            return self._refused(job, exc)
        except TelegramError as exc:  # timeouts, 5xx, connection errors
            return self._retry(job, f"{type(exc).__name__}: {exc.message}")

    async def _edit(self, job: ChangeJob) -> str | None:
        """Edit the message to show the note as it is now; the new photo if it changed."""
        note, chat_id, message_id = job.note, job.note.chat_id, job.message_id
        if job.photo is None:
            # A text message stays text: a photo added since cannot be put on it.
            outgoing = compose(dataclasses.replace(note, image_url=None))
            await self.bot.edit_message_text(
                outgoing.html, chat_id, message_id, reply_markup=outgoing.markup
            )
            return None
        photo = web_photo(note.image_url)
        if photo is not None and photo != job.photo:
            outgoing = compose(note)
            media = InputMediaPhoto(photo, caption=outgoing.html, parse_mode=ParseMode.HTML)
            await self.bot.edit_message_media(
                media, chat_id, message_id, reply_markup=outgoing.markup
            )
            return photo
        # Same photo, or none any more (a photo cannot be taken off): the caption changes.
        outgoing = compose(dataclasses.replace(note, image_url=job.photo))
        await self.bot.edit_message_caption(
            chat_id, message_id, caption=outgoing.html, reply_markup=outgoing.markup
        )
        return None

    def _refused(self, job: ChangeJob, exc: BadRequest) -> ChangeOutcome:
        text = exc.message.lower()
        if any(answer in text for answer in _ALREADY_DONE):
            return ChangeOutcome(job.id, ChangeState.DONE)
        if any(answer in text for answer in _NOT_ALLOWED):
            return ChangeOutcome(job.id, ChangeState.REFUSED, exc.message)
        logger.warning(
            "Telegram refused to %s message %d in chat %d: %s",
            job.kind,
            job.message_id,
            job.note.chat_id,
            exc.message,
        )
        return ChangeOutcome(job.id, ChangeState.FAILED, exc.message)

    def _retry(self, job: ChangeJob, error: str) -> ChangeOutcome:
        attempt = job.attempts + 1
        if attempt >= self.settings.max_attempts:
            logger.warning("giving up on note change %d: %s", job.id, error)
            return ChangeOutcome(job.id, ChangeState.FAILED, error)
        delay = random.uniform(0.5, 1.0) * min(MAX_BACKOFF, self.retry_base * 2.0**attempt)
        later = self.clock.now() + timedelta(seconds=delay)
        return ChangeOutcome(job.id, ChangeState.PENDING, error, later)

    async def _slot(self, held_until: datetime, stopped: asyncio.Future[None]) -> None:
        """Wait for a slot of the shared rate, then check the change is still ours."""
        slot = asyncio.ensure_future(self.limiter.acquire())
        await asyncio.wait({slot, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not slot.done():
            slot.cancel()
            raise _Stopped
        if held_until - SEND_MARGIN * self.lease <= self.clock.now():
            raise _LeaseLost


class _Stopped(Exception):
    """The sender stopped while a change waited for its slot."""


class _LeaseLost(Exception):
    """The change's lease ran out before it could be applied."""
