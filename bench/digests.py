"""Digest time: 100,000 digest chats due at once, their messages queued through the outbox.

    python bench/digests.py [--chats 100000] [--posts 3] [--database-url postgresql+asyncpg://...bench]

Setup (not measured): a migrated database whose first scan is done; chats that follow one
topic, each with a daily digest at the same UTC moment spread over 10 time zones (so the
release reschedules 10 groups); then --posts posts announced through the bot's own path
(`scan()`), which holds them for every chat (`held_items`) in the same fan-out statement as
instant notes. That announcement is timed too, for reference.

Measured: `Store.release_held(now)` at the digest moment, the call the poller's release job
makes: one summary row per chat in `deliveries` (unique per chat and period), every held item
handed to its chat's row, and each chat's next digest worked out, in one transaction. Then a
second release at the same moment (another process, a restart) must queue nothing, and a
sender's first claim shows each row carrying its posts.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from benchlib import (
    Stopwatch,
    analyze,
    bench_database,
    bench_settings,
    describe_url,
    heap_peak,
    insert_chats,
    insert_subscriptions,
    migrated_store,
    new_post,
    print_table,
    utcnow,
)
from sqlalchemy import exists, func, insert, select

from bot.domain.schedules import ChatSettings, DigestMode, DigestSchedule
from bot.scanning.scan import scan
from storage.models import ChatSettings as SettingsRow
from storage.models import Delivery, HeldItem
from storage.reader_settings import to_columns
from storage.store import Store

CHUNK = 20_000
ZONES = 10  # Etc/GMT-k is k hours ahead of UTC: a digest at 08:00+k there is 08:00 UTC
TOPIC = "Digest Bench"
LEASE = timedelta(seconds=30)


def digest_moment(now: datetime) -> datetime:
    """The next 08:00 UTC at least an hour away."""
    moment = datetime.combine(now.date(), time(8, 0), tzinfo=UTC)
    while moment < now + timedelta(hours=1):
        moment += timedelta(days=1)
    return moment


async def insert_digest_settings(
    store: Store, chat_ids: list[int], due: datetime, now: datetime
) -> None:
    """Give each chat a daily digest due at `due`, in one of ZONES time zones."""
    rows = []
    for chat_id in chat_ids:
        hours = chat_id % ZONES
        zone = f"Etc/GMT-{hours}" if hours else "UTC"
        local = due.astimezone(ZoneInfo(zone)).time()
        settings = ChatSettings(zone, DigestSchedule(DigestMode.DAILY, local))
        rows.append(
            {
                "chat_id": chat_id,
                **to_columns(settings),
                "release_at": due,
                "quiet_from": None,
                "quiet_until": None,
                "updated_at": now,
            }
        )
    async with store.engine.begin() as conn:
        for start in range(0, len(rows), 5_000):
            await conn.execute(insert(SettingsRow), rows[start : start + 5_000])


async def held_waiting(store: Store) -> int:
    """Held items no summary lists."""
    listed = exists().where(
        Delivery.chat_id == HeldItem.chat_id, Delivery.period == HeldItem.period
    )
    return await count(store, select(func.count()).select_from(HeldItem).where(~listed))


async def count(store: Store, statement: object) -> int:
    async with store.engine.connect() as conn:
        return int(await conn.scalar(statement) or 0)  # type: ignore[call-overload]


async def run(chats: int, posts: int, database_url: str | None, seed: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-digests-") as tmp:
        content = Path(tmp) / "content"
        content.mkdir()
        async with bench_database(database_url) as url:
            print(f"database: {describe_url(url)}")
            settings = bench_settings(url, content)
            store = await migrated_store(url)
            try:
                await scan(store, settings)  # the first scan: from now on new posts are news
                now = utcnow()
                due = digest_moment(now)
                with Stopwatch() as setup:
                    for start in range(1, chats + 1, CHUNK):
                        ids = list(range(start, min(start + CHUNK, chats + 1)))
                        await insert_chats(store, ids, now)
                        await insert_subscriptions(store, [(c, "digest-bench") for c in ids], now)
                        await insert_digest_settings(store, ids, due, now)
                    await analyze(store)
                print(
                    f"setup: {chats:,} digest chats in {ZONES} time zones, due "
                    f"{due:%Y-%m-%d %H:%M} UTC, inserted in {setup.seconds:.1f} s (not measured)"
                )
                with Stopwatch() as announce:
                    for number in range(posts):
                        new_post(content, rng, f"digest-{number}", [TOPIC], now)
                        await scan(store, settings)
                held = await count(store, select(func.count()).select_from(HeldItem))
                await analyze(store)

                with Stopwatch() as timed:
                    queued = await store.release_held(due, UTC)
                again = await store.release_held(due + timedelta(seconds=2), UTC)
                waiting = await held_waiting(store)
                rows = await count(
                    store,
                    select(func.count()).select_from(Delivery).where(Delivery.summary.is_not(None)),
                )
                next_due = await count(
                    store,
                    select(func.count())
                    .select_from(SettingsRow)
                    .where(SettingsRow.release_at == due + timedelta(days=1)),
                )
                jobs = await store.claim_deliveries("bench", 256, due, LEASE)
                with heap_peak() as peak:
                    # The same release for a copy of the chats, traced: rows stay in the database.
                    await store.release_held(due + timedelta(days=1), UTC)
            finally:
                await store.close()

    print_table(
        f"digest time: {chats:,} digest chats, {posts} held posts each",
        [
            "database",
            "announce s",
            "held items",
            "release_held() s",
            "summaries queued",
            "again",
            "peak heap MiB (no-op release)",
        ],
        [
            [
                "sqlite" if database_url is None else "postgresql",
                announce.seconds,
                held,
                timed.seconds,
                queued,
                again,
                peak.mib,
            ]
        ],
    )
    ok = (
        queued == rows == chats
        and again == 0
        and waiting == 0
        and held == chats * posts
        and next_due == chats
        and all(len(job.items) == posts for job in jobs)
    )
    print(
        f"\ncheck: {queued:,} summaries queued for {chats:,} chats ({rows:,} rows), the second "
        f"release queued {again}, {waiting} items left waiting, {next_due:,} chats due again "
        f"tomorrow, a claim of {len(jobs)} rows carries {posts} posts each: "
        f"{'OK' if ok else 'MISMATCH'}\n"
        "announce: scan() of the posts, one at a time (each held for every chat);\n"
        "release_held(): the transaction the poller's release job runs at digest time (goal < 5 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=3, help="posts held for every chat")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL database to recreate for the run (name must contain 'bench'); "
        "default: a temporary SQLite file",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(run(args.chats, args.posts, args.database_url, args.seed))


if __name__ == "__main__":
    main()
