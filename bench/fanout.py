"""Announcing one post to many subscribers: the INSERT…SELECT that fills the outbox.

    python bench/fanout.py [--chats 100000] [--database-url postgresql+asyncpg://...bench]
    python bench/fanout.py --subscriptions 1000000 --database-url postgresql+asyncpg://...bench

Setup (not measured): a migrated database whose first scan is done, then chats that follow
3 topics each out of 200, bulk-inserted with SQLAlchemy core. Topic popularity follows
Zipf's law (weight 1/rank), and the post carries the 3 most popular topics: the largest
fan-out this population allows. Measured: writing the post file and running
`bot.scanning.scan.scan(store, settings)`, the bot's own path, which queues one delivery per
recipient with a single INSERT…SELECT; the same post (under another file name) is announced
3 times into an emptied outbox and the median reported. One more is then announced under
tracemalloc for the Python heap's peak.

With `--filtered 0.1`, 10% of the chats then get keyword filters (2 include words and 1
exclude word each, from the generated posts' vocabulary), and the same post (same text, same
topics) is announced again, timed and traced: the fan-out with filters, next to the one without.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import random
import statistics
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from benchlib import (
    WORDS,
    Stopwatch,
    analyze,
    bench_database,
    bench_settings,
    describe_url,
    heap_peak,
    insert_chats,
    insert_subscriptions,
    maxrss_mib,
    migrated_store,
    new_post,
    print_table,
    topic_pool,
    utcnow,
)
from sqlalchemy import delete, insert, select

from bot.domain.filters import ChatFilters, post_words
from bot.domain.pacing import HEADROOM
from bot.domain.posts import MalformedPost
from bot.domain.topics import topic_key
from bot.messaging.transport import concurrency_for
from bot.scanning.files import read_post
from bot.scanning.scan import scan
from bot.settings import Settings
from storage.models import Base
from storage.store import Store

CHUNK = 20_000  # chats generated and inserted at a time
CLAIMS = 5
REPEATS = 3  # timed announcements per case; the median is reported
LEASE = timedelta(seconds=30)


def zipf_topics(rng: random.Random) -> tuple[list[str], list[float]]:
    """The topic names, most popular first, and their cumulative weights (1/rank)."""
    names = topic_pool()
    rng.shuffle(names)
    weights = [1 / rank for rank in range(1, len(names) + 1)]
    return names, list(itertools.accumulate(weights))


def pick(rng: random.Random, keys: Sequence[str], cumulative: Sequence[float], k: int) -> set[str]:
    """k distinct topics drawn by popularity."""
    chosen: set[str] = set()
    while len(chosen) < k:
        chosen.update(rng.choices(keys, cum_weights=cumulative, k=k - len(chosen)))
    return chosen


def population(
    chats: int, per_chat: int, keys: Sequence[str], cumulative: Sequence[float], seed: int
) -> Iterator[tuple[list[int], list[tuple[int, str]]]]:
    """Chunks of (chat ids, (chat id, topic key) pairs)."""
    rng = random.Random(seed)
    for start in range(1, chats + 1, CHUNK):
        ids = list(range(start, min(start + CHUNK, chats + 1)))
        pairs = [
            (chat, key) for chat in ids for key in sorted(pick(rng, keys, cumulative, per_chat))
        ]
        yield ids, pairs


async def populate(
    store: Store, chats: int, per_chat: int, post_keys: set[str], seed: int
) -> tuple[int, int]:
    """Insert the chats and subscriptions; returns (subscriptions, chats following the post)."""
    names, cumulative = zipf_topics(random.Random(seed))
    keys = [topic_key(name) for name in names]
    now = utcnow()
    subscriptions = 0
    following: set[int] = set()
    for ids, pairs in population(chats, per_chat, keys, cumulative, seed):
        await insert_chats(store, ids, now)
        await insert_subscriptions(store, pairs, now)
        subscriptions += len(pairs)
        following.update(chat for chat, key in pairs if key in post_keys)
    return subscriptions, len(following)


async def add_filters(store: Store, chats: int, share: float, seed: int) -> dict[int, ChatFilters]:
    """Give `share` of the chats 2 include words and 1 exclude word; returns them by chat."""
    rng = random.Random(seed)
    given: dict[int, ChatFilters] = {}
    for chat in range(1, chats + 1):
        if rng.random() < share:
            include, exclude = rng.sample(WORDS, 2), rng.choice(WORDS)
            given[chat] = ChatFilters(tuple(w for w in include if w != exclude), (exclude,))
    rows = [
        {"chat_id": chat, "word": word, "include": include}
        for chat, f in given.items()
        for include, words in ((True, f.include), (False, f.exclude))
        for word in words
    ]
    async with store.engine.begin() as conn:
        for start in range(0, len(rows), CHUNK):
            await conn.execute(
                insert(Base.metadata.tables["chat_filters"]), rows[start : start + CHUNK]
            )
    return given


async def add_digests(store: Store, chats: int, share: float, seed: int) -> set[int]:
    """Put `share` of the chats on a daily digest (due tomorrow); returns them."""
    rng = random.Random(seed)
    chosen = {chat for chat in range(1, chats + 1) if rng.random() < share}
    now = utcnow()
    rows = [
        {
            "chat_id": chat,
            "digest_mode": "daily",
            "digest_minute": 8 * 60,
            "digest_weekday": 0,
            "previews": True,
            "release_at": now + timedelta(days=1),
            "updated_at": now,
        }
        for chat in sorted(chosen)
    ]
    async with store.engine.begin() as conn:
        for start in range(0, len(rows), CHUNK):
            await conn.execute(
                insert(Base.metadata.tables["chat_settings"]), rows[start : start + CHUNK]
            )
    return chosen


async def following(store: Store, post_keys: set[str]) -> set[int]:
    """The chats that follow one of the post's topics (to check the filtered fan-out)."""
    table = Base.metadata.tables["subscriptions"]
    async with store.engine.connect() as conn:
        rows = await conn.scalars(
            select(table.c.chat_id).where(table.c.topic.in_(post_keys)).distinct()
        )
        return set(rows)


@dataclass
class Case:
    """One announcement measured: the timed scan, then an identical one traced."""

    name: str
    slug: str
    recipients: int = 0
    traced_recipients: int = 0
    seconds: float = 0.0
    heap_mib: float = 0.0
    rss_before: float = 0.0
    rss_after: float = 0.0
    pending: int = 0


async def empty_outbox(store: Store) -> None:
    """Delete every delivery (setup): a bigger outbox slows the INSERT, so cases start even."""
    async with store.engine.begin() as conn:
        await conn.execute(delete(Base.metadata.tables["deliveries"]))
        await conn.execute(delete(Base.metadata.tables["held_items"]))
    await analyze(store)


async def announce(
    store: Store, settings: Settings, content: Path, topics: Sequence[str], seed: int, case: Case
) -> Path:
    """Announce the post `seed` makes REPEATS times timed (the median counts), then once traced,
    each time into an empty outbox; returns its file."""
    seconds = []
    case.rss_before = maxrss_mib()
    for attempt in range(REPEATS):
        await empty_outbox(store)
        slug = f"{case.slug}-timed-{attempt}"
        path = new_post(content, random.Random(seed), slug, topics, utcnow())
        with Stopwatch() as timed:
            first = await scan(store, settings)
        seconds.append(timed.seconds)
    case.seconds, case.rss_after = statistics.median(seconds), maxrss_mib()
    case.recipients = sum(a.recipients for a in first.announced)
    await empty_outbox(store)
    new_post(content, random.Random(seed), f"{case.slug}-traced", topics, utcnow())
    with heap_peak() as peak:
        second = await scan(store, settings)
    case.heap_mib = peak.mib
    case.pending = await store.pending_count()
    case.traced_recipients = sum(a.recipients for a in second.announced)
    return path


async def run(
    chats: int,
    per_chat: int,
    database_url: str | None,
    seed: int,
    filtered: float,
    digests: float,
) -> None:
    names, _ = zipf_topics(random.Random(seed))
    post_topics = names[:3]
    post_keys = {topic_key(name) for name in post_topics}
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-fanout-") as tmp:
        content = Path(tmp) / "content"
        content.mkdir()
        async with bench_database(database_url) as url:
            print(f"database: {describe_url(url)}")
            settings = bench_settings(url, content)
            store = await migrated_store(url)
            try:
                await scan(store, settings)  # the first scan: from now on new posts are news
                with Stopwatch() as setup:
                    subscriptions, expected = await populate(
                        store, chats, per_chat, post_keys, seed
                    )
                    await analyze(store)
                print(
                    f"setup: {chats:,} chats, {subscriptions:,} subscriptions over "
                    f"{len(topic_pool())} topics inserted in {setup.seconds:.1f} s (not measured)"
                )
                print(f"post topics: {', '.join(post_topics)}; chats following any: {expected:,}")

                cases = [Case("no filters", "fanout")]
                await announce(store, settings, content, post_topics, seed + 1, cases[0])
                expected_filtered, held_expected = None, 0
                digest_chats: set[int] = set()
                if filtered:
                    with Stopwatch() as setup:
                        given = await add_filters(store, chats, filtered, seed + 2)
                        if digests:
                            digest_chats = await add_digests(store, chats, digests, seed + 3)
                        await analyze(store)
                    print(
                        f"setup: {len(given):,} chats ({filtered:.0%}) given keyword filters, "
                        f"{len(digest_chats):,} ({digests:.0%}) put on daily digests, "
                        f"in {setup.seconds:.1f} s (not measured)"
                    )
                    name = f"{filtered:.0%} filtered" + (
                        f", {digests:.0%} digests" if digests else ""
                    )
                    cases.append(Case(name, "filtered"))
                    path = await announce(store, settings, content, post_topics, seed + 1, cases[1])
                    post = read_post(content, path)
                    assert not isinstance(post, MalformedPost)
                    mentioned = post_words(post.title, post.excerpt, [t.name for t in post.topics])
                    reached = [
                        chat
                        for chat in await following(store, post_keys)
                        if chat not in given or given[chat].allows(mentioned)
                    ]
                    expected_filtered = len(reached)
                    held_expected = sum(chat in digest_chats for chat in reached)

                # What a sender then does first with that outbox: lease a batch of rows.
                batch = concurrency_for(1000 * HEADROOM)
                claims = []
                for _ in range(CLAIMS):
                    with Stopwatch() as claim:
                        jobs = await store.claim_deliveries("bench", batch, utcnow(), LEASE)
                    assert len(jobs) == batch
                    claims.append(claim.seconds)
            finally:
                await store.close()

    print_table(
        f"announcing one post: {chats:,} chats x {per_chat} subscriptions",
        [
            "database",
            "case",
            "subscriptions",
            "recipients",
            "scan() seconds",
            "peak heap MiB",
            "max RSS MiB before",
            "max RSS MiB after",
            f"claim {batch} rows s",
        ],
        [
            [
                "sqlite" if database_url is None else "postgresql",
                case.name,
                subscriptions,
                case.recipients,
                case.seconds,
                case.heap_mib,
                case.rss_before,
                case.rss_after,
                statistics.median(claims),
            ]
            for case in cases
        ],
    )
    wanted = [expected] + ([expected_filtered] if expected_filtered is not None else [])
    got = [(case.recipients, case.traced_recipients) for case in cases]
    pending = [case.pending for case in cases]
    queued = [expected] + ([expected_filtered - held_expected] if expected_filtered else [])
    ok = got == [(n, n) for n in wanted] and pending == queued
    if len(cases) > 1:
        print(
            f"\nwith filters / without: {cases[1].seconds / cases[0].seconds:.2f}x the time, "
            f"peak heap {cases[1].heap_mib:.3f} MiB vs {cases[0].heap_mib:.3f} MiB"
        )
    print(
        f"\ncheck: recipients (timed, traced) {got}, expected {wanted}, "
        f"rows pending in the outbox after each case {pending} (the rest held for digests), "
        f"expected {queued}: {'OK' if ok else 'MISMATCH'}\n"
        f"scan() seconds: median of {REPEATS} announcements of the same post, each into an "
        "empty outbox;\n"
        "peak heap: tracemalloc peak during one more, identical announcement;\n"
        "max RSS: ru_maxrss of this process just before and just after the timed scans;\n"
        f"claim: store.claim_deliveries() of {batch} rows (a sender's batch at SEND_RATE=1000) "
        f"from that outbox, median of {CLAIMS}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument(
        "--subscriptions",
        type=int,
        default=None,
        help="total subscriptions instead of --chats (chats = ceil(this / --per-chat))",
    )
    parser.add_argument("--per-chat", type=int, default=3, help="topics each chat follows")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL database to recreate for the run (name must contain 'bench'); "
        "default: a temporary SQLite file",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--digests",
        type=float,
        default=0.0,
        help="with --filtered: share of chats also put on daily digests (e.g. 0.2)",
    )
    parser.add_argument(
        "--filtered",
        type=float,
        default=0.0,
        help="share of chats then given keyword filters, the same post announced again (e.g. 0.1)",
    )
    args = parser.parse_args()
    chats = args.chats
    if args.subscriptions is not None:
        chats = math.ceil(args.subscriptions / args.per_chat)
    asyncio.run(
        run(chats, args.per_chat, args.database_url, args.seed, args.filtered, args.digests)
    )


if __name__ == "__main__":
    main()
