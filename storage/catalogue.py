"""Queries on the catalogue: the files a scan saw, the posts, their topics; each takes a session."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Subquery, Table, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.domain.announcing import DuePost, initial_state, post_record
from bot.domain.breaking import DEFAULT_BREAKING_TAGS
from bot.domain.posts import MalformedPost
from bot.domain.scans import FileSeen, Scheduled
from bot.domain.states import PostState
from bot.domain.topics import TopicCount
from storage.engine import chunks, insert_plain_rows
from storage.models import Meta, PostTopic, SourceFile
from storage.models import Post as PostRow

# A claimed post delivery's content: title, excerpt, url, image_url, topic names by key,
# breaking.
PostContent = tuple[str, str, str, str | None, dict[str, str], bool]


async def file_fingerprints(session: AsyncSession) -> dict[str, tuple[int, int]]:
    """What the last scan saw: path -> (mtime_ns, size)."""
    rows = await session.execute(select(SourceFile.path, SourceFile.mtime_ns, SourceFile.size))
    return {path: (mtime, size) for path, mtime, size in rows}


async def is_first_scan(session: AsyncSession) -> bool:
    """Whether no scan has been recorded in this database yet."""
    return await session.get(Meta, "baseline") is None


async def mark_first_scan(session: AsyncSession, now: datetime) -> None:
    session.add(Meta(key="baseline", value=now.isoformat()))


async def record_files(
    session: AsyncSession,
    changed: Sequence[FileSeen],
    removed: Sequence[str],
    now: datetime,
    first_scan: bool,
    site_url: str,
    breaking_tags: frozenset[str] = DEFAULT_BREAKING_TAGS,
) -> int:
    """Record what a scan saw of changed and removed files; returns the posts recorded skipped.

    A new post's state is the domain's `initial_state`; an edited one keeps its own.
    """
    # The first scan finds the tables empty: nothing to delete or to look up, in 20 queries a
    # 10,000 files.
    if await _any(session, SourceFile.path):
        for chunk in chunks([*removed, *(f.path for f in changed)]):
            await session.execute(delete(SourceFile).where(SourceFile.path.in_(chunk)))
    for chunk in chunks(removed):
        await session.execute(update(PostRow).where(PostRow.path.in_(chunk)).values(present=False))
    # Driver executemanys of plain values here and for the topics below (the ORM's bulk
    # insert spent about 0.1 ms a row collecting its parameters), Core's for the posts.
    await insert_plain_rows(
        session,
        cast(Table, SourceFile.__table__),
        ("path", "mtime_ns", "size", "error"),
        [
            (
                f.path,
                f.mtime_ns,
                f.size,
                f.post.reason if isinstance(f.post, MalformedPost) else None,
            )
            for f in changed
        ],
    )

    broken = [f.path for f in changed if isinstance(f.post, MalformedPost)]
    # A post whose file broke is not announced from its last good version.
    for chunk in chunks(broken):
        await session.execute(update(PostRow).where(PostRow.path.in_(chunk)).values(present=False))

    good = [f for f in changed if not isinstance(f.post, MalformedPost)]
    posts_before = await session.scalar(select(func.max(PostRow.id)))
    known = {} if posts_before is None else await _ids_by_path(session, [f.path for f in good])
    fresh: list[dict[str, Any]] = []
    edited: list[dict[str, Any]] = []
    skipped = 0
    for f in good:
        post = f.post
        assert not isinstance(post, MalformedPost)
        values = vars(post_record(post, site_url, breaking_tags)) | {"present": True}
        if f.path in known:
            edited.append({"id": known[f.path], **values})
        else:
            state = initial_state(post, first_scan, now)
            skipped += state == PostState.SKIPPED
            # Rows of an executemany carry plain strings: with enum members the cold scan's
            # peak heap grew by about 0.4 KiB per row (bench/scan.py).
            fresh.append({**values, "state": state.value})
    if edited:
        await session.execute(update(PostRow), edited)
    ids = dict(known)
    if fresh:
        # A plain executemany, then the ids by path: INSERT ... RETURNING of many rows
        # goes one statement per row on SQLite (and per batch of same-shaped rows).
        await session.execute(insert(cast(Table, PostRow.__table__)), fresh)
        ids.update(await _fresh_ids(session, posts_before or 0, [str(r["path"]) for r in fresh]))

    # Only a post recorded before has topics to replace: posts are never deleted, so the id
    # of a new one was never another's.
    for id_chunk in chunks(list(known.values())):
        await session.execute(delete(PostTopic).where(PostTopic.post_id.in_(id_chunk)))
    topics = [
        (ids[f.path], t.key, t.name[:200], t.kind)
        for f in good
        if not isinstance(f.post, MalformedPost)
        for t in f.post.topics
        if t.key
    ]
    columns = ("post_id", "topic", "name", "kind")
    await insert_plain_rows(session, cast(Table, PostTopic.__table__), columns, topics)
    return skipped


async def _any(session: AsyncSession, column: InstrumentedAttribute[Any]) -> bool:
    return await session.scalar(select(column).limit(1)) is not None


async def _fresh_ids(session: AsyncSession, before: int, paths: Sequence[str]) -> dict[str, int]:
    """The ids of the posts just inserted at `paths`, all above `before` (the largest id then).

    One query, not one a 500 paths: ids only grow. Any path it misses (another writer's
    sequence cache) is looked up by path.
    """
    wanted = set(paths)
    rows = await session.execute(select(PostRow.path, PostRow.id).where(PostRow.id > before))
    ids = {path: post_id for path, post_id in rows if path in wanted}
    missing = [path for path in paths if path not in ids]
    if missing:
        ids.update(await _ids_by_path(session, missing))
    return ids


async def _ids_by_path(session: AsyncSession, paths: Sequence[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in chunks(paths):
        rows = await session.execute(
            select(PostRow.path, PostRow.id).where(PostRow.path.in_(chunk))
        )
        ids.update({path: post_id for path, post_id in rows})
    return ids


async def due_posts(session: AsyncSession, now: datetime) -> list[DuePost]:
    """Waiting posts that are published, present and due by now, oldest first."""
    rows = await session.execute(
        select(PostRow.id, PostRow.path, PostRow.title, PostRow.url, PostRow.breaking)
        .where(
            PostRow.state == PostState.WAITING,
            PostRow.published.is_(True),
            PostRow.present.is_(True),
            PostRow.date <= now,
        )
        .order_by(PostRow.date, PostRow.id)
    )
    return [DuePost(*row) for row in rows]


async def settled_urls(session: AsyncSession, urls: Sequence[str]) -> set[str]:
    """Those of `urls` that a post already announced or skipped has."""
    settled: set[str] = set()
    for chunk in chunks(urls):
        found = await session.scalars(
            select(PostRow.url)
            .where(PostRow.url.in_(chunk), PostRow.state != PostState.WAITING)
            .distinct()
        )
        settled.update(found)
    return settled


async def settle(session: AsyncSession, post_id: int, state: PostState, now: datetime) -> None:
    """Record that a due post was announced or skipped."""
    await session.execute(
        update(PostRow).where(PostRow.id == post_id).values(state=state, announced_at=now)
    )


async def title(session: AsyncSession, post_id: int) -> str:
    """A post's title."""
    return str(await session.scalar(select(PostRow.title).where(PostRow.id == post_id)))


async def scheduled(session: AsyncSession, now: datetime) -> list[Scheduled]:
    """Published posts still waiting for their date, soonest first."""
    rows = await session.execute(
        select(PostRow.path, PostRow.date)
        .where(
            PostRow.state == PostState.WAITING,
            PostRow.published.is_(True),
            PostRow.present.is_(True),
            PostRow.date > now,
        )
        .order_by(PostRow.date, PostRow.path)
    )
    return [Scheduled(path, date) for path, date in rows]


async def topics(session: AsyncSession, now: datetime | None) -> list[TopicCount]:
    """Every category and tag of the public posts, with how many posts carry it."""
    rows = await session.execute(
        select(PostTopic.topic, func.min(PostTopic.name), func.count())
        .join(PostRow, PostRow.id == PostTopic.post_id)
        .where(*_public(now))
        .group_by(PostTopic.topic)
    )
    counts = [TopicCount(key, name, int(n)) for key, name, n in rows]
    return sorted(counts, key=lambda t: (-t.posts, t.name.casefold()))


async def contents(session: AsyncSession, post_ids: set[int]) -> dict[int, PostContent]:
    """What a notification of each post shows, by post id."""
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
            PostRow.id,
            PostRow.title,
            PostRow.excerpt,
            PostRow.url,
            PostRow.image_url,
            PostRow.breaking,
        ).where(PostRow.id.in_(post_ids))
    )
    return {p.id: (p.title, p.excerpt, p.url, p.image_url, names[p.id], p.breaking) for p in posts}


def _public(now: datetime | None) -> tuple[ColumnElement[bool], ...]:
    """The posts the world may know of: published, still there, and due by now."""
    # Callers pass their clock; the default is the wall clock, as for every handler.
    moment = now if now is not None else datetime.now(UTC)
    return (PostRow.published.is_(True), PostRow.present.is_(True), PostRow.date <= moment)


def public_names(now: datetime | None) -> Subquery:
    """Each topic's display name, taken from public posts only."""
    return (
        select(PostTopic.topic, func.min(PostTopic.name).label("name"))
        .join(PostRow, PostRow.id == PostTopic.post_id)
        .where(*_public(now))
        .group_by(PostTopic.topic)
        .subquery()
    )


def public(now: datetime | None) -> tuple[ColumnElement[bool], ...]:
    """The conditions on posts that the world may know of (see _public), for other queries."""
    return _public(now)
