"""Breaking news jumps the queue: how long its first note waits behind a backlog.

    python bench/breaking.py                  # 20,000 regular notes pending, SEND_RATE=30
    python bench/breaking.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/newsbot_bench

20,000 chats follow one topic; a regular post to it is queued (20,000 outbox rows) and a
`Sender` at SEND_RATE=30 starts working through them against the fake Bot API (its own
process, limited to 30 sends/s). A few seconds later a breaking post to the same chats is
queued the way a scan does it (`Store.apply_scan`, then `Sender.wake()`). Printed: the seconds
from the commit of its rows (queued) to the first breaking note accepted by the fake Bot API
(its own record of the moment, on the machine's monotonic clock), the same from the start of
the scan's transaction, and how many regular notes went out meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from benchlib import (
    FakeBotApi,
    analyze,
    bench_database,
    bench_settings,
    describe_url,
    insert_chats,
    insert_subscriptions,
    migrated_store,
    print_table,
    utcnow,
)
from sqlalchemy import func, select

from bot.domain.posts import parse_post
from bot.domain.scans import FileSeen
from bot.messaging.pacing import shared_limiter
from bot.messaging.sender import Sender
from bot.messaging.transport import concurrency_for, sender_bot
from storage.models import Delivery
from storage.store import Store

TOPIC = "world"
TIMEOUT = 60.0


def post(slug: str, title: str, tags: str, now: datetime) -> FileSeen:
    when = (now - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S +0000")
    text = f'---\ntitle: "{title}"\ndate: {when}\ntags: {tags}\n---\n\nBody.\n'
    path = f"{now:%Y-%m-%d}-{slug}.md"
    return FileSeen(path, 1, len(text), parse_post(text, path))


async def regular_left(store: Store) -> int:
    async with store.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.priority == 1, Delivery.status.in_(["pending", "sending"]))
        )
    return int(count or 0)


async def measure(database_url: str | None, chats: int, rate: int, head_start: float) -> None:
    async with FakeBotApi(rate_limit=rate) as fake, bench_database(database_url) as url:
        store = await migrated_store(url)
        with tempfile.TemporaryDirectory(prefix="newsbot-bench-breaking-") as tmp:
            try:
                now = utcnow()
                await insert_chats(store, range(1, chats + 1), now)
                await insert_subscriptions(store, [(c, TOPIC) for c in range(1, chats + 1)], now)
                await store.apply_scan([], [], now)  # the first scan: an empty site
                regular = await store.apply_scan(
                    [post("regular", "Regular", f"[{TOPIC}]", now)], [], now
                )
                await analyze(store)
                settings = bench_settings(
                    url, Path(tmp), TELEGRAM_API_URL=fake.base_url, SEND_RATE=str(rate)
                )
                limiter = shared_limiter(settings, store)
                bot = sender_bot(settings, concurrency_for(1.0 / limiter.interval))
                async with bot:
                    await fake.reset()
                    sender = Sender(store, bot, limiter, settings)
                    stop = asyncio.Event()
                    task = asyncio.create_task(sender.run(stop))
                    await asyncio.sleep(head_start)
                    pending = await regular_left(store)
                    sent_before = (await fake.stats())["sent"]
                    started = time.monotonic()
                    queued_at = datetime.now(UTC)
                    urgent = post("quake", "Quake", f"[{TOPIC}, breaking]", queued_at)
                    result = await store.apply_scan([urgent], [], queued_at)
                    committed = time.monotonic()
                    sender.wake()
                    first: dict[str, Any] = {"at": None}
                    async with httpx.AsyncClient() as client:
                        while first["at"] is None and time.monotonic() - started < TIMEOUT:
                            await asyncio.sleep(0.05)
                            first = await fake.first_sent(client, "Quake")
                    stop.set()
                    await task
                    await limiter.close()
                stats = await fake.stats()
            finally:
                await store.close()
    at = first["at"]
    waited = at - committed if at is not None else float("nan")
    overall = at - started if at is not None else float("nan")
    overtaken = first["before"] - sent_before
    print_table(
        f"breaking news behind {regular.announced[0].recipients:,} regular notes, SEND_RATE={rate}",
        ["what", "figure"],
        [
            ("regular notes still pending when the breaking post was queued", pending),
            ("breaking notes queued", result.announced[0].recipients),
            (
                "seconds to queue them (the scan's transaction: one INSERT…SELECT)",
                committed - started,
            ),
            (
                "regular notes accepted between the start of that and the first breaking one",
                overtaken,
            ),
            ("seconds from its rows' commit to the first breaking note sent", waited),
            ("seconds from the start of the scan's transaction to it", overall),
            ("fake: sends accepted, 429s", f"{stats['sent']}, {stats['rejected_429']}"),
        ],
    )
    verdict = "met" if waited <= 1.0 else "NOT met"
    print(f"  goal: first breaking note within 1 s of being queued: {waited:.3f} s {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=20_000, help="regular notes pending")
    parser.add_argument("--rate", type=int, default=30, help="SEND_RATE (and the fake's limit)")
    parser.add_argument(
        "--head-start", type=float, default=3.0, help="seconds of regular sending first"
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL database to recreate (name must contain 'bench'); default: SQLite",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    where = describe_url(args.database_url) if args.database_url else "temporary SQLite file"
    print(f"database: {where}")
    asyncio.run(measure(args.database_url, args.chats, args.rate, args.head_start))


if __name__ == "__main__":
    main()
