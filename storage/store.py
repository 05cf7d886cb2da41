"""The store: one transaction per use case, domain types out.

Each method opens one transaction and calls the query functions of storage.chats,
storage.catalogue, storage.filters, storage.held, storage.live and storage.stats; the mixins
(storage.sending_store, storage.broadcast_store, storage.editors, storage.change_store,
storage.readers) do the same for theirs
(the SQLAlchemy 2 way: the session's lifecycle stays outside the functions that access data).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.domain.breaking import DEFAULT_BREAKING_TAGS
from bot.domain.filters import Added, ChatFilters
from bot.domain.live import LiveWait
from bot.domain.posts import MalformedPost
from bot.domain.scans import Announcement, FileSeen, ScanResult
from bot.domain.schedules import ChatSettings, SettingChange, timing
from bot.domain.states import ChatState
from bot.domain.stats import Stats
from bot.domain.topics import TopicCount, TopicInfo
from storage import (
    announcements,
    catalogue,
    changes,
    chats,
    filters,
    held,
    live,
    outbox,
    reader_settings,
)
from storage.broadcast_store import BroadcastStore
from storage.change_store import ChangeStore
from storage.editors import EditorsStore
from storage.engine import create_engine
from storage.readers import ReadersStore
from storage.sending_store import SendingStore
from storage.stats import stats
from storage.transactions import transactions_finish


class DryRun(Exception):
    """Raised inside a transaction to roll back what a dry run did."""


@transactions_finish
class Store(ChangeStore, EditorsStore, ReadersStore, SendingStore, BroadcastStore):
    """Chats, subscriptions, posts, filters, held posts (the outbox's claims and the send
    schedule: storage.sending_store; broadcasts: storage.broadcast_store; channels and scheduled
    broadcasts: storage.editors; changes to sent notes and the audit log: storage.change_store;
    /latest and gone forum topics: storage.readers)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> Store:
        """A store on the database at `url` (schema not checked: see storage.schema)."""
        return cls(create_engine(url))

    async def close(self) -> None:
        await self.engine.dispose()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    # -- chats and subscriptions ------------------------------------------------------------

    async def register_chat(self, chat_id: int, chat_type: str, title: str, now: datetime) -> bool:
        """Make the chat active (new, stopped or blocked); True if it was not active before."""
        async with self._sessions.begin() as session:
            return await chats.activate(session, chat_id, chat_type, title, now)

    async def chat_status(self, chat_id: int) -> ChatState | None:
        """The chat's state; None for a chat the bot never registered."""
        async with self._sessions.begin() as session:
            return await chats.state(session, chat_id)

    async def stop_chat(self, chat_id: int, now: datetime) -> int:
        """Forget the chat's subscriptions and stop all sends to it; returns how many it had."""
        async with self._sessions.begin() as session:
            removed = await chats.forget_subscriptions(session, chat_id)
            await chats.set_state(session, chat_id, ChatState.STOPPED, now)
            await outbox.kill_live(session, chat_id, "chat stopped the bot")
            await held.drop_waiting(session, chat_id)
            return removed

    async def block_chat(self, chat_id: int, reason: str, now: datetime) -> None:
        """Telegram refused the chat for good (403): no more sends until it says /start."""
        async with self._sessions.begin() as session:
            await chats.set_state(session, chat_id, ChatState.BLOCKED, now)
            await outbox.kill_live(session, chat_id, reason)
            await held.drop_waiting(session, chat_id)

    async def migrate_chat(self, old_id: int, new_id: int, now: datetime) -> None:
        """A group became a supergroup: move the chat, its subscriptions and pending sends."""
        async with self._sessions.begin() as session:
            if not await chats.move(session, old_id, new_id, now):
                return
            await filters.copy(session, old_id, new_id)
            await outbox.move_live(session, old_id, new_id)
            await reader_settings.copy(session, old_id, new_id)
            await held.move_waiting(session, old_id, new_id)
            await outbox.kill_live(session, old_id, f"chat migrated to {new_id}")
            await chats.remove(session, old_id)

    async def chat_language(self, chat_id: int, default: str | None = None) -> str | None:
        """The chat's language; a registered chat that has none takes `default` (stored).

        None for a chat the bot does not know, or one with none when `default` is None.
        """
        async with self._sessions.begin() as session:
            return await chats.language(session, chat_id, default)

    async def chat_languages(self, chat_ids: Iterable[int]) -> dict[int, str]:
        """The language of each of these chats that has one."""
        async with self._sessions.begin() as session:
            return await chats.languages(session, set(chat_ids))

    async def set_chat_language(
        self, chat_id: int, chat_type: str, title: str, code: str, now: datetime
    ) -> None:
        """Speak `code` in the chat from now on (registering it)."""
        async with self._sessions.begin() as session:
            await chats.set_language(session, chat_id, chat_type, title, code, now)

    async def subscribe(
        self, chat_id: int, chat_type: str, title: str, topic: str, now: datetime, thread: int = 0
    ) -> bool:
        """Follow a topic (registering the chat), in a forum topic `thread` of it or in the chat
        itself (0); False if it already did."""
        async with self._sessions.begin() as session:
            await chats.activate(session, chat_id, chat_type, title, now)
            await session.flush()
            return await chats.subscribe(session, chat_id, topic, now, thread)

    async def unsubscribe(self, chat_id: int, topic: str, thread: int = 0) -> bool:
        """Stop following a topic; False if the chat (or its forum topic) did not follow it."""
        async with self._sessions.begin() as session:
            return await chats.unsubscribe(session, chat_id, topic, thread)

    async def subscriptions(
        self, chat_id: int, now: datetime | None = None, thread: int = 0
    ) -> list[TopicInfo]:
        """The topics a chat (or one forum topic of it) follows, by name (as public posts spell
        it, else its key)."""
        async with self._sessions.begin() as session:
            return await chats.subscriptions(session, chat_id, now, thread)

    async def topics(self, now: datetime | None = None) -> list[TopicCount]:
        """Every category and tag of the public posts (published, present and due by now),
        with how many posts carry it. A future-dated post or a draft reveals none of its own.
        """
        async with self._sessions.begin() as session:
            return await catalogue.topics(session, now)

    # -- a chat's choices: time zone, digest, quiet hours, previews ------------------------

    async def chat_settings(self, chat_id: int) -> ChatSettings:
        """The chat's settings (the defaults when it never chose)."""
        async with self._sessions.begin() as session:
            return await reader_settings.get(session, chat_id)

    async def change_chat_settings(
        self,
        chat_id: int,
        chat_type: str,
        title: str,
        change: SettingChange,
        now: datetime,
        default_zone: tzinfo,
    ) -> ChatSettings:
        """Change one of the chat's choices (registering the chat); returns its settings.

        The moments they act at are worked out again: notes held under the old choices go
        with the new digest, at the end of the quiet window, or at once.
        """
        async with self._sessions.begin() as session:
            await chats.activate(session, chat_id, chat_type, title, now)
            await session.flush()
            changed = (await reader_settings.get(session, chat_id)).with_change(change)
            zone = reader_settings.zone_of(changed.timezone, default_zone)
            holding = await held.waiting(session, chat_id) > 0
            moments = timing(changed, zone, now, holding=holding)
            await reader_settings.save(session, chat_id, changed, moments, now)
            if holding and moments.release_at is not None:
                await held.wait_for(session, chat_id, moments.release_at)
            return changed

    async def release_held(self, now: datetime, default_zone: tzinfo) -> int:
        """Queue the digests and quiet-hours summaries now due; returns how many.

        Each is one outbox row per chat and period: releasing twice queues nothing twice.
        """
        async with self._sessions.begin() as session:
            return await outbox.release_held(session, now, default_zone)

    # -- scanning ---------------------------------------------------------------------------

    async def file_fingerprints(self) -> dict[str, tuple[int, int]]:
        """What the last scan saw: path -> (mtime_ns, size)."""
        async with self._sessions.begin() as session:
            return await catalogue.file_fingerprints(session)

    async def apply_scan(
        self,
        changed: Sequence[FileSeen],
        removed: Iterable[str],
        now: datetime,
        *,
        site_url: str = "",
        breaking_tags: frozenset[str] = DEFAULT_BREAKING_TAGS,
        dry_run: bool = False,
        wait_until_live: bool = False,
        corrections: bool = True,  # edits of announced posts edit their notes sent
        retractions: bool = True,  # unpublished or retracted ones delete them
    ) -> ScanResult:
        """Record what a scan found and queue the posts now due, all in one transaction.

        What is news and what is a repeat is the domain's call (bot.domain.announcing): the
        first scan of an empty database records every published post without announcing it.
        With dry_run the transaction is rolled back: the result says what would happen. With
        wait_until_live a post to announce waits for its page instead (see announce_live).
        """
        gone = list(removed)
        result = ScanResult(
            files_read=len(changed),
            removed=len(gone),
            malformed=[f.post for f in changed if isinstance(f.post, MalformedPost)],
        )
        try:
            async with self._sessions.begin() as session:
                first = result.first_scan = await catalogue.is_first_scan(session)
                before = await changes.announced_notes(session, changed)
                result.recorded_silently = await catalogue.record_files(
                    session, changed, gone, now, first, site_url, breaking_tags
                )
                result.corrected, result.retracted = await changes.follow_edits(
                    session, before, now, corrections=corrections, retractions=retractions
                )
                if first:
                    await catalogue.mark_first_scan(session, now)
                result.announced = await announcements.announce_due(
                    session, now, result.waiting_live if wait_until_live else None
                )
                result.scheduled = await catalogue.scheduled(session, now)
                if dry_run:
                    raise DryRun
        except DryRun:
            pass
        return result

    # -- posts waiting for their page (WAIT_UNTIL_LIVE) ------------------------------------

    async def live_waits(self) -> list[LiveWait]:
        """Due posts waiting for their page to answer, longest waiting first."""
        async with self._sessions.begin() as session:
            return await live.waiting(session)

    async def announce_live(self, wait: LiveWait, now: datetime) -> Announcement | None:
        """Announce a post that waited for its page: its deliveries written, at most once.

        None if it no longer waits (another process announced it).
        """
        async with self._sessions.begin() as session:
            return await announcements.announce_live(session, wait, now)

    # -- keyword filters --------------------------------------------------------------------

    async def filters(self, chat_id: int) -> ChatFilters:
        """The chat's keyword filters."""
        async with self._sessions.begin() as session:
            return await filters.of_chat(session, chat_id)

    async def add_filters(
        self,
        chat_id: int,
        chat_type: str,
        title: str,
        wanted: Sequence[tuple[str, bool]],
        now: datetime,
    ) -> list[Added]:
        """Give the chat filter words (word, include), registering it; what each did."""
        async with self._sessions.begin() as session:
            await chats.ensure(session, chat_id, chat_type, title, now)
            return [await filters.add(session, chat_id, word, inc) for word, inc in wanted]

    async def remove_filter(self, chat_id: int, word: str) -> bool:
        """Drop one filter word; False if the chat had none such."""
        async with self._sessions.begin() as session:
            return await filters.remove(session, chat_id, word)

    async def clear_filters(self, chat_id: int) -> int:
        """Drop all the chat's filter words; returns how many it had."""
        async with self._sessions.begin() as session:
            return await filters.clear(session, chat_id)

    # -- numbers ----------------------------------------------------------------------------

    async def stats(self, now: datetime | None = None) -> Stats:
        async with self._sessions.begin() as session:
            return await stats(session, now)
