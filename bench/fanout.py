"""Announcing one post to many subscribers: the INSERT…SELECT that fills the outbox.

    python bench/fanout.py [--chats 100000] [--database-url postgresql+asyncpg://...bench]
    python bench/fanout.py --subscriptions 1000000 --database-url postgresql+asyncpg://...bench

Setup (not measured): a migrated database whose first scan is done, then chats that follow
3 topics each out of 200, bulk-inserted with SQLAlchemy core. Topic popularity follows
Zipf's law (weight 1/rank), and the post carries the 3 most popular topics: the largest
fan-out this population allows. Measured: writing the post file and running
`bot.scanning.scan.scan(store, settings)`, the bot's own path, which queues one delivery per
recipient with a single INSERT…SELECT. A second post with the same topics is then
announced under tracemalloc for the Python heap's peak.
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
from datetime import timedelta
from pathlib import Path

from benchlib import (
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

from bot.domain.pacing import HEADROOM
from bot.domain.topics import topic_key
from bot.messaging.transport import concurrency_for
from bot.scanning.scan import scan
from storage.store import Store

CHUNK = 20_000  # chats generated and inserted at a time
CLAIMS = 5
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


async def run(chats: int, per_chat: int, database_url: str | None, seed: int) -> None:
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

                rng = random.Random(seed + 1)
                rss_before = maxrss_mib()
                new_post(content, rng, "fanout-timed", post_topics, utcnow())
                with Stopwatch() as timed:
                    first = await scan(store, settings)
                rss_after = maxrss_mib()

                new_post(content, rng, "fanout-traced", post_topics, utcnow())
                with heap_peak() as peak:
                    second = await scan(store, settings)
                pending = await store.pending_count()

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

    timed_recipients = sum(a.recipients for a in first.announced)
    traced_recipients = sum(a.recipients for a in second.announced)
    print_table(
        f"announcing one post: {chats:,} chats x {per_chat} subscriptions",
        [
            "database",
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
                subscriptions,
                timed_recipients,
                timed.seconds,
                peak.mib,
                rss_before,
                rss_after,
                statistics.median(claims),
            ]
        ],
    )
    ok = timed_recipients == traced_recipients == expected and pending == 2 * expected
    print(
        f"\ncheck: recipients {timed_recipients:,} (timed) and {traced_recipients:,} (traced), "
        f"{expected:,} expected, {pending:,} rows pending in the outbox: "
        f"{'OK' if ok else 'MISMATCH'}\n"
        "peak heap: tracemalloc peak during the second, identical announcement;\n"
        "max RSS: ru_maxrss of this process just before and just after the timed scan();\n"
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
    args = parser.parse_args()
    chats = args.chats
    if args.subscriptions is not None:
        chats = math.ceil(args.subscriptions / args.per_chat)
    asyncio.run(run(chats, args.per_chat, args.database_url, args.seed))


if __name__ == "__main__":
    main()
