"""The store: every query newsbot makes, one transaction per method, domain types out."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    Subquery,
    Table,
    and_,
    case,
    delete,
    event,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.domain.broadcasts import BroadcastInfo, Progress
from bot.domain.outbox import DeliveryJob, Outcome, Retry, Sent
from bot.domain.posts import MalformedPost
from bot.domain.scans import Announcement, FileSeen, ScanResult, Scheduled
from bot.domain.stats import Stats
from bot.domain.topics import TopicCount, TopicFollowers, TopicInfo
from storage import models
from storage.models import Broadcast, Chat, Delivery, Meta, PostTopic, RateClock
from storage.models import Post as PostRow

logger = logging.getLogger(__name__)

T = TypeVar("T")
LIVE = ("pending", "sending")
_CHUNK = 500


class DryRun(Exception):
    """Raised inside a transaction to roll back what a dry run did."""


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and write-locking transactions."""
    if not url.startswith("sqlite"):
        return create_async_engine(url, pool_pre_ping=True)
    engine = create_async_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions, so that BEGIN IMMEDIATE below
        # takes the write lock up front: two processes then wait for each other instead of
        # failing with "database is locked" halfway through a transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Store:
    """Chats, subscriptions, posts and the delivery outbox."""

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
            return await self._activate(session, chat_id, chat_type, title, now)

    async def _activate(
        self, session: AsyncSession, chat_id: int, chat_type: str, title: str, now: datetime
    ) -> bool:
        chat = await session.get(Chat, chat_id)
        if chat is None:
            session.add(
                Chat(
                    id=chat_id,
                    type=chat_type,
                    title=title[:256],
                    status="active",
                    created_at=now,
                    updated_at=now,
                )
            )
            return True
        was_active = chat.status == "active"
        chat.status, chat.type, chat.title, chat.updated_at = "active", chat_type, title[:256], now
        return not was_active

    async def chat_status(self, chat_id: int) -> str | None:
        """active, stopped or blocked; None for a chat the bot never registered."""
        async with self._sessions.begin() as session:
            return await session.scalar(select(Chat.status).where(Chat.id == chat_id))

    async def stop_chat(self, chat_id: int, now: datetime) -> int:
        """Forget the chat's subscriptions and stop all sends to it; returns how many it had."""
        async with self._sessions.begin() as session:
            removed = await session.execute(
                delete(models.Subscription).where(models.Subscription.chat_id == chat_id)
            )
            await session.execute(
                update(Chat).where(Chat.id == chat_id).values(status="stopped", updated_at=now)
            )
            await self._kill_pending(session, chat_id, "chat stopped the bot")
            return int(removed.rowcount)  # type: ignore[attr-defined]

    async def block_chat(self, chat_id: int, reason: str, now: datetime) -> None:
        """Telegram refused the chat for good (403): no more sends until it says /start."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(Chat).where(Chat.id == chat_id).values(status="blocked", updated_at=now)
            )
            await self._kill_pending(session, chat_id, reason)

    @staticmethod
    async def _kill_pending(session: AsyncSession, chat_id: int, reason: str) -> None:
        await session.execute(
            update(Delivery)
            .where(Delivery.chat_id == chat_id, Delivery.status.in_(LIVE))
            .values(status="dead", error=reason, lease_owner=None, lease_until=None)
        )

    async def migrate_chat(self, old_id: int, new_id: int, now: datetime) -> None:
        """A group became a supergroup: move the chat, its subscriptions and pending sends."""
        async with self._sessions.begin() as session:
            old = await session.get(Chat, old_id)
            if old is None:
                return
            if await session.get(Chat, new_id) is None:
                session.add(
                    Chat(
                        id=new_id,
                        type="supergroup",
                        title=old.title,
                        status=old.status,
                        created_at=old.created_at,
                        updated_at=now,
                    )
                )
                await session.flush()
            topics = select(models.Subscription.topic).where(models.Subscription.chat_id == old_id)
            for topic in (await session.scalars(topics)).all():
                await session.merge(
                    models.Subscription(chat_id=new_id, topic=topic, created_at=now)
                )
            # What the new chat already has (or had) must not be sent to it a second time.
            posts_there = select(Delivery.post_id).where(
                Delivery.chat_id == new_id, Delivery.post_id.is_not(None)
            )
            broadcasts_there = select(Delivery.broadcast_id).where(
                Delivery.chat_id == new_id, Delivery.broadcast_id.is_not(None)
            )
            await session.execute(
                update(Delivery)
                .where(Delivery.chat_id == old_id, Delivery.status.in_(LIVE))
                .where(or_(Delivery.post_id.is_(None), Delivery.post_id.not_in(posts_there)))
                .where(
                    or_(
                        Delivery.broadcast_id.is_(None),
                        Delivery.broadcast_id.not_in(broadcasts_there),
                    )
                )
                .values(chat_id=new_id, status="pending", lease_owner=None, lease_until=None)
            )
            await self._kill_pending(session, old_id, f"chat migrated to {new_id}")
            await session.execute(delete(Chat).where(Chat.id == old_id))

    async def subscribe(
        self, chat_id: int, chat_type: str, title: str, topic: str, now: datetime
    ) -> bool:
        """Follow a topic (registering the chat); False if it already did."""
        async with self._sessions.begin() as session:
            await self._activate(session, chat_id, chat_type, title, now)
            await session.flush()
            exists = await session.get(models.Subscription, (chat_id, topic))
            if exists is not None:
                return False
            session.add(models.Subscription(chat_id=chat_id, topic=topic, created_at=now))
            return True

    async def unsubscribe(self, chat_id: int, topic: str) -> bool:
        """Stop following a topic; False if the chat did not follow it."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(models.Subscription).where(
                    models.Subscription.chat_id == chat_id, models.Subscription.topic == topic
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def subscriptions(self, chat_id: int, now: datetime | None = None) -> list[TopicInfo]:
        """The topics a chat follows, by name (as public posts spell it, else its key)."""
        names = _public_names(now)
        async with self._sessions.begin() as session:
            rows = await session.execute(
                select(models.Subscription.topic, names.c.name)
                .outerjoin(names, names.c.topic == models.Subscription.topic)
                .where(models.Subscription.chat_id == chat_id)
            )
            topics = [TopicInfo(key, name or key) for key, name in rows]
        return sorted(topics, key=lambda t: t.name.casefold())

    async def topics(self, now: datetime | None = None) -> list[TopicCount]:
        """Every category and tag of the public posts (published, present and due by now),
        with how many posts carry it. A future-dated post or a draft reveals none of its own.
        """
        async with self._sessions.begin() as session:
            rows = await session.execute(
                select(PostTopic.topic, func.min(PostTopic.name), func.count())
                .join(PostRow, PostRow.id == PostTopic.post_id)
                .where(*_public(now))
                .group_by(PostTopic.topic)
            )
            counts = [TopicCount(key, name, int(n)) for key, name, n in rows]
        return sorted(counts, key=lambda t: (-t.posts, t.name.casefold()))

    # -- scanning ---------------------------------------------------------------------------

    async def file_fingerprints(self) -> dict[str, tuple[int, int]]:
        """What the last scan saw: path -> (mtime_ns, size)."""
        async with self._sessions.begin() as session:
            rows = await session.execute(
                select(models.SourceFile.path, models.SourceFile.mtime_ns, models.SourceFile.size)
            )
            return {path: (mtime, size) for path, mtime, size in rows}

    async def apply_scan(
        self,
        changed: Sequence[FileSeen],
        removed: Iterable[str],
        now: datetime,
        *,
        site_url: str = "",
        dry_run: bool = False,
    ) -> ScanResult:
        """Record what a scan found and queue the posts now due, all in one transaction.

        The first scan of an empty database records every published post without announcing
        it. With dry_run the transaction is rolled back: the result says what would happen.
        """
        result = ScanResult()
        try:
            async with self._sessions.begin() as session:
                first = await session.get(Meta, "baseline") is None
                result.first_scan = first
                await self._record_files(
                    session, changed, list(removed), now, first, site_url, result
                )
                if first:
                    session.add(Meta(key="baseline", value=now.isoformat()))
                result.announced = await self._announce_due(session, now)
                result.scheduled = await self._scheduled(session, now)
                if dry_run:
                    raise DryRun
        except DryRun:
            pass
        return result

    async def _record_files(
        self,
        session: AsyncSession,
        changed: Sequence[FileSeen],
        removed: list[str],
        now: datetime,
        first: bool,
        site_url: str,
        result: ScanResult,
    ) -> None:
        files = models.SourceFile
        for chunk in _chunks([*removed, *(f.path for f in changed)]):
            await session.execute(delete(files).where(files.path.in_(chunk)))
        for chunk in _chunks(removed):
            await session.execute(
                update(PostRow).where(PostRow.path.in_(chunk)).values(present=False)
            )
        result.removed = len(removed)
        if changed:
            await session.execute(
                insert(files),
                [
                    {
                        "path": f.path,
                        "mtime_ns": f.mtime_ns,
                        "size": f.size,
                        "error": f.post.reason if isinstance(f.post, MalformedPost) else None,
                    }
                    for f in changed
                ],
            )
        result.files_read = len(changed)

        broken = [f.path for f in changed if isinstance(f.post, MalformedPost)]
        result.malformed = [f.post for f in changed if isinstance(f.post, MalformedPost)]
        # A post whose file broke is not announced from its last good version.
        for chunk in _chunks(broken):
            await session.execute(
                update(PostRow).where(PostRow.path.in_(chunk)).values(present=False)
            )

        good = [f for f in changed if not isinstance(f.post, MalformedPost)]
        known: dict[str, int] = {}
        for chunk in _chunks([f.path for f in good]):
            rows = await session.execute(
                select(PostRow.path, PostRow.id).where(PostRow.path.in_(chunk))
            )
            known.update({path: post_id for path, post_id in rows})

        fresh, edited = [], []
        for f in good:
            post = f.post
            assert not isinstance(post, MalformedPost)
            values = {
                "path": post.path,
                "title": post.title,
                "date": post.date,
                "url": post.url(site_url),
                "excerpt": post.excerpt,
                "image_url": post.image_url(site_url),
                "published": post.published,
                "present": True,
            }
            if f.path in known:
                edited.append({"id": known[f.path], **values})
            else:
                # Posts already public when the bot first looks are history, not news.
                silent = first and post.published and post.date <= now
                result.recorded_silently += silent
                fresh.append({**values, "state": "skipped" if silent else "waiting"})
        if edited:
            await session.execute(update(PostRow), edited)
        ids = dict(known)
        if fresh:
            # A plain executemany, then the ids by path: INSERT ... RETURNING of many rows
            # goes one statement per row on SQLite (and per batch of same-shaped rows).
            await session.execute(insert(cast(Table, PostRow.__table__)), fresh)
            for path_chunk in _chunks([str(row["path"]) for row in fresh]):
                rows = await session.execute(
                    select(PostRow.path, PostRow.id).where(PostRow.path.in_(path_chunk))
                )
                ids.update({path: post_id for path, post_id in rows})

        for id_chunk in _chunks([ids[f.path] for f in good]):
            await session.execute(delete(PostTopic).where(PostTopic.post_id.in_(id_chunk)))
        topics = [
            {"post_id": ids[f.path], "topic": t.key, "name": t.name[:200], "kind": t.kind}
            for f in good
            if not isinstance(f.post, MalformedPost)
            for t in f.post.topics
            if t.key
        ]
        if topics:
            await session.execute(insert(PostTopic), topics)

    async def _announce_due(self, session: AsyncSession, now: datetime) -> list[Announcement]:
        due = await session.execute(
            select(PostRow.id, PostRow.path, PostRow.title, PostRow.url)
            .where(
                PostRow.state == "waiting",
                PostRow.published.is_(True),
                PostRow.present.is_(True),
                PostRow.date <= now,
            )
            .order_by(PostRow.date, PostRow.id)
        )
        announced = []
        for post_id, path, title, url in due.all():
            # The same link under another file name (a renamed or copied file) is old news.
            repeat = await session.scalar(
                select(PostRow.id).where(
                    PostRow.url == url, PostRow.id != post_id, PostRow.state != "waiting"
                )
            )
            state = "skipped" if repeat is not None else "announced"
            await session.execute(
                update(PostRow).where(PostRow.id == post_id).values(state=state, announced_at=now)
            )
            if repeat is None:
                recipients = await self._queue_post(session, post_id, now)
                announced.append(Announcement(path, title, url, recipients))
        return announced

    @staticmethod
    async def _scheduled(session: AsyncSession, now: datetime) -> list[Scheduled]:
        rows = await session.execute(
            select(PostRow.path, PostRow.date)
            .where(
                PostRow.state == "waiting",
                PostRow.published.is_(True),
                PostRow.present.is_(True),
                PostRow.date > now,
            )
            .order_by(PostRow.date, PostRow.path)
        )
        return [Scheduled(path, date) for path, date in rows]

    @staticmethod
    async def _queue_post(session: AsyncSession, post_id: int, now: datetime) -> int:
        """Write one outbox row per active chat following any of the post's topics."""
        subs = models.Subscription
        # One aggregate, spelled per engine: the matched keys as a JSON list.
        as_json_list = (
            func.json_group_array if session.get_bind().dialect.name == "sqlite" else func.json_agg
        )
        recipients = (
            select(
                literal(post_id).label("post_id"),
                subs.chat_id,
                as_json_list(subs.topic, type_=JSON).label("topics"),
                literal("pending").label("status"),
                literal(0).label("attempts"),
                literal(now, models.UTCDateTime()).label("not_before"),
                literal(now, models.UTCDateTime()).label("created_at"),
            )
            .join(Chat, Chat.id == subs.chat_id)
            .where(
                subs.topic.in_(select(PostTopic.topic).where(PostTopic.post_id == post_id)),
                Chat.status == "active",
            )
            .group_by(subs.chat_id)
        )
        columns = ["post_id", "chat_id", "topics", "status", "attempts", "not_before", "created_at"]
        result = await session.execute(insert(Delivery).from_select(columns, recipients))
        return int(result.rowcount)  # type: ignore[attr-defined]

    # -- the outbox -------------------------------------------------------------------------

    async def claim_deliveries(
        self,
        owner: str,
        limit: int,
        now: datetime,
        lease: timedelta,
        *,
        broadcast_id: int | None = None,
    ) -> list[DeliveryJob]:
        """Lease up to `limit` due rows to `owner`; expired leases of dead senders count as due.

        On PostgreSQL, FOR UPDATE SKIP LOCKED lets any number of workers claim at once
        without waiting for or double-claiming each other's rows.
        """
        claimable = (
            select(Delivery.id)
            .where(
                or_(
                    and_(Delivery.status == "pending", Delivery.not_before <= now),
                    and_(Delivery.status == "sending", Delivery.lease_until < now),
                )
            )
            .order_by(Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if broadcast_id is not None:
            claimable = claimable.where(Delivery.broadcast_id == broadcast_id)
        async with self._sessions.begin() as session:
            rows = (
                await session.execute(
                    update(Delivery)
                    .where(Delivery.id.in_(claimable.scalar_subquery()))
                    .values(status="sending", lease_owner=owner, lease_until=now + lease)
                    .returning(
                        Delivery.id,
                        Delivery.chat_id,
                        Delivery.attempts,
                        Delivery.post_id,
                        Delivery.broadcast_id,
                        Delivery.topics,
                    )
                )
            ).all()
            if not rows:
                return []
            posts = await self._posts_for_jobs(session, {r.post_id for r in rows if r.post_id})
            broadcasts = await self._broadcast_html(
                session, {r.broadcast_id for r in rows if r.broadcast_id}
            )
        jobs = []
        for row in sorted(rows, key=lambda r: r.id):
            job = DeliveryJob(row.id, row.chat_id, row.attempts, row.post_id, row.broadcast_id)
            if row.post_id is not None:
                title, excerpt, url, image_url, names = posts[row.post_id]
                keys = sorted(k for k in row.topics if k)
                topics = tuple(TopicInfo(k, names.get(k, k)) for k in keys)
                job = DeliveryJob(
                    row.id,
                    row.chat_id,
                    row.attempts,
                    row.post_id,
                    None,
                    title,
                    excerpt,
                    url,
                    image_url,
                    topics,
                )
            elif row.broadcast_id is not None:
                job = DeliveryJob(
                    row.id,
                    row.chat_id,
                    row.attempts,
                    None,
                    row.broadcast_id,
                    html=broadcasts[row.broadcast_id],
                )
            jobs.append(job)
        return jobs

    @staticmethod
    async def _posts_for_jobs(
        session: AsyncSession, post_ids: set[int]
    ) -> dict[int, tuple[str, str, str, str | None, dict[str, str]]]:
        if not post_ids:
            return {}
        names: dict[int, dict[str, str]] = defaultdict(dict)
        rows = await session.execute(
            select(PostTopic.post_id, PostTopic.topic, PostTopic.name).where(
                PostTopic.post_id.in_(post_ids)
            )
        )
        for post_id, key, name in rows:
            names[post_id][key] = name
        posts = await session.execute(
            select(
                PostRow.id, PostRow.title, PostRow.excerpt, PostRow.url, PostRow.image_url
            ).where(PostRow.id.in_(post_ids))
        )
        return {p.id: (p.title, p.excerpt, p.url, p.image_url, names[p.id]) for p in posts}

    @staticmethod
    async def _broadcast_html(session: AsyncSession, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = await session.execute(
            select(Broadcast.id, Broadcast.html).where(Broadcast.id.in_(ids))
        )
        return {bid: html for bid, html in rows}

    async def record_outcomes(self, outcomes: Sequence[Outcome], now: datetime, owner: str) -> None:
        """Write what happened to each sent row, in one transaction.

        A send is recorded whatever happened to the row meanwhile: it did reach Telegram.
        A retry or a failure only applies while `owner` still holds the row, so it cannot
        revive a row that /stop, a 403 or another sender has settled since.
        """
        if not outcomes:
            return
        sent: list[dict[str, Any]] = []
        unsent: list[dict[str, Any]] = []
        counted: list[int] = []
        for outcome in outcomes:
            base = {"id": outcome.delivery_id, "lease_owner": None, "lease_until": None}
            if isinstance(outcome, Sent):
                sent.append(
                    {
                        **base,
                        "status": "sent",
                        "message_id": outcome.message_id,
                        "sent_at": now,
                        "error": None,
                    }
                )
            elif isinstance(outcome, Retry):
                unsent.append(
                    {
                        **base,
                        "status": "pending",
                        "not_before": outcome.not_before,
                        "error": outcome.error,
                    }
                )
                if outcome.count:
                    counted.append(outcome.delivery_id)
            else:
                unsent.append(
                    {**base, "status": "failed", "not_before": now, "error": outcome.error}
                )
        held = (Delivery.lease_owner == owner, Delivery.status == "sending")
        async with self._sessions.begin() as session:
            for chunk in _chunks(counted):
                await session.execute(
                    update(Delivery)
                    .where(Delivery.id.in_(chunk), *held)
                    .values(attempts=Delivery.attempts + 1)
                )
            if unsent:
                # No ORM objects live in this session: nothing to synchronize.
                await session.execute(
                    update(Delivery).where(*held),
                    unsent,
                    execution_options={"synchronize_session": None},
                )
            if sent:
                await session.execute(update(Delivery), sent)

    async def extend_leases(self, owner: str, ids: Sequence[int], until: datetime) -> list[int]:
        """Keep the given rows this sender still holds; returns those it still holds.

        A row another sender took over once its lease ran out is not extended (nor
        returned): the caller must not send it.
        """
        kept: list[int] = []
        async with self._sessions.begin() as session:
            for chunk in _chunks(ids):
                result = await session.scalars(
                    update(Delivery)
                    .where(
                        Delivery.id.in_(chunk),
                        Delivery.lease_owner == owner,
                        Delivery.status == "sending",
                    )
                    .values(lease_until=until)
                    .returning(Delivery.id)
                )
                kept.extend(result)
        return kept

    async def release_leases(self, owner: str) -> int:
        """Give back claimed rows that were never sent (a clean shutdown)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Delivery)
                .where(Delivery.lease_owner == owner, Delivery.status == "sending")
                .values(status="pending", lease_owner=None, lease_until=None)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def sent_times(self, chat_id: int, since: datetime) -> list[datetime]:
        """When outbox messages went to a chat since a moment, oldest first (group limit)."""
        async with self._sessions.begin() as session:
            times = await session.scalars(
                select(Delivery.sent_at)
                .where(Delivery.chat_id == chat_id, Delivery.sent_at >= since)
                .order_by(Delivery.sent_at)
            )
            return [t for t in times if t is not None]

    async def pending_count(self) -> int:
        """Rows not yet sent, failed or dead."""
        async with self._sessions.begin() as session:
            count = await session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.status.in_(LIVE))
            )
            return int(count or 0)

    # -- the shared send schedule ---------------------------------------------------------

    async def reserve_slots(self, name: str, count: int, interval: float, now: float) -> float:
        """Reserve `count` send slots `interval` seconds apart; returns the first slot's time.

        The schedule lives in the database, so every process sending for the bot shares
        one rate limit.
        """
        later = case((RateClock.next_free > now, RateClock.next_free), else_=now)
        async with self._sessions.begin() as session:
            end = await session.scalar(
                update(RateClock)
                .where(RateClock.name == name)
                .values(next_free=later + count * interval)
                .returning(RateClock.next_free)
            )
            if end is None:
                end = now + count * interval
                try:
                    async with session.begin_nested():
                        session.add(RateClock(name=name, next_free=end))
                except IntegrityError:
                    return await self.reserve_slots(name, count, interval, now)
        return float(end) - count * interval

    async def pause_sending(self, name: str, until: float) -> None:
        """Telegram said 429: no process sends again before `until` (epoch seconds)."""
        later = case((RateClock.next_free > until, RateClock.next_free), else_=until)
        async with self._sessions.begin() as session:
            await session.execute(
                update(RateClock).where(RateClock.name == name).values(next_free=later)
            )

    # -- broadcasts -----------------------------------------------------------------------

    async def create_broadcast(
        self,
        html: str,
        topic: str | None,
        admin_id: int,
        preview_chat_id: int | None,
        now: datetime,
    ) -> int:
        """Save a draft broadcast; nothing is queued until start_broadcast."""
        async with self._sessions.begin() as session:
            row = Broadcast(
                html=html,
                topic=topic,
                admin_id=admin_id,
                preview_chat_id=preview_chat_id,
                state="draft",
                created_at=now,
            )
            session.add(row)
            await session.flush()
            return row.id

    async def broadcast_audience(self, topic: str | None) -> int:
        """How many chats a broadcast to `topic` (or to everyone) would reach now."""
        async with self._sessions.begin() as session:
            count = await session.scalar(
                select(func.count()).select_from(self._audience(topic).subquery())
            )
            return int(count or 0)

    @staticmethod
    def _audience(topic: str | None) -> Select[Any]:
        chats = select(Chat.id).where(Chat.status == "active")
        if topic is not None:
            chats = chats.join(models.Subscription, models.Subscription.chat_id == Chat.id).where(
                models.Subscription.topic == topic
            )
        return chats

    async def set_broadcast_preview(self, broadcast_id: int, message_id: int) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id)
                .values(preview_message_id=message_id)
            )

    async def start_broadcast(self, broadcast_id: int, now: datetime) -> int | None:
        """Queue a draft for its audience; None if it was not a draft (pressed twice)."""
        async with self._sessions.begin() as session:
            started = await session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.state == "draft")
                .values(state="sending", started_at=now)
            )
            if not started.rowcount:  # type: ignore[attr-defined]
                return None
            topic = await session.scalar(
                select(Broadcast.topic).where(Broadcast.id == broadcast_id)
            )
            audience = self._audience(topic).add_columns(
                literal(broadcast_id).label("broadcast_id"),
                literal([], JSON).label("topics"),
                literal("pending").label("status"),
                literal(0).label("attempts"),
                literal(now, models.UTCDateTime()).label("not_before"),
                literal(now, models.UTCDateTime()).label("created_at"),
            )
            columns = [
                "chat_id",
                "broadcast_id",
                "topics",
                "status",
                "attempts",
                "not_before",
                "created_at",
            ]
            result = await session.execute(insert(Delivery).from_select(columns, audience))
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def cancel_broadcast(self, broadcast_id: int) -> bool:
        """Drop a draft; False if it was already confirmed or cancelled."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.state == "draft")
                .values(state="cancelled")
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def broadcast(self, broadcast_id: int) -> BroadcastInfo | None:
        async with self._sessions.begin() as session:
            row = await session.get(Broadcast, broadcast_id)
            return None if row is None else _broadcast_info(row)

    async def sending_broadcasts(self) -> list[BroadcastInfo]:
        """Broadcasts confirmed and not yet reported as done."""
        async with self._sessions.begin() as session:
            rows = await session.scalars(select(Broadcast).where(Broadcast.state == "sending"))
            return [_broadcast_info(row) for row in rows]

    async def broadcast_progress(self, broadcast_id: int) -> Progress:
        async with self._sessions.begin() as session:
            rows = await session.execute(
                select(Delivery.status, func.count())
                .where(Delivery.broadcast_id == broadcast_id)
                .group_by(Delivery.status)
            )
            counts = {status: int(n) for status, n in rows}
        return Progress(
            sent=counts.get("sent", 0),
            blocked=counts.get("dead", 0),
            failed=counts.get("failed", 0),
            remaining=counts.get("pending", 0) + counts.get("sending", 0),
        )

    async def finish_broadcast(self, broadcast_id: int, now: datetime) -> bool:
        """Mark a broadcast reported; False if another process already did."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.state == "sending")
                .values(state="done", finished_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # -- numbers --------------------------------------------------------------------------

    async def stats(self, now: datetime | None = None) -> Stats:
        async with self._sessions.begin() as session:
            chats = {
                status: int(n)
                for status, n in await session.execute(
                    select(Chat.status, func.count()).group_by(Chat.status)
                )
            }
            names = _public_names(now)
            subs = await session.execute(
                select(
                    models.Subscription.topic,
                    func.min(names.c.name),
                    func.count(func.distinct(models.Subscription.chat_id)),
                )
                .outerjoin(names, names.c.topic == models.Subscription.topic)
                .group_by(models.Subscription.topic)
            )
            topics = [TopicFollowers(key, name or key, int(n)) for key, name, n in subs]
            deliveries = {
                status: int(n)
                for status, n in await session.execute(
                    select(Delivery.status, func.count()).group_by(Delivery.status)
                )
            }
        topics.sort(key=lambda t: (-t.chats, t.name.casefold()))
        return Stats(chats=chats, subscriptions=topics, deliveries=deliveries)


def _public(now: datetime | None) -> tuple[ColumnElement[bool], ...]:
    """The posts the world may know of: published, still there, and due by now."""
    # Callers pass their clock; the default is the wall clock, as for every handler.
    moment = now if now is not None else datetime.now(UTC)
    return (PostRow.published.is_(True), PostRow.present.is_(True), PostRow.date <= moment)


def _public_names(now: datetime | None) -> Subquery:
    """Each topic's display name, taken from public posts only."""
    return (
        select(PostTopic.topic, func.min(PostTopic.name).label("name"))
        .join(PostRow, PostRow.id == PostTopic.post_id)
        .where(*_public(now))
        .group_by(PostTopic.topic)
        .subquery()
    )


def _broadcast_info(row: Broadcast) -> BroadcastInfo:
    return BroadcastInfo(
        id=row.id,
        html=row.html,
        topic=row.topic,
        state=row.state,
        admin_id=row.admin_id,
        preview_chat_id=row.preview_chat_id,
        preview_message_id=row.preview_message_id,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def _chunks(items: Sequence[T]) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
