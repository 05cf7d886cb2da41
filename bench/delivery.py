"""Sending a broadcast through newsbot's Sender, next to PTB's plain send loop.

    python bench/delivery.py                 # parts a, b and c
    python bench/delivery.py --part a        # 1,000 recipients, fake limits to 30 msg/s
    python bench/delivery.py --part b        # 10,000 recipients, no limit, SEND_RATE=1000
    python bench/delivery.py --part c        # paid broadcast to 3,000 chats, SEND_RATE=1000,
                                             # next to PTB's and aiohttp's bare loops

Every answer of the fake takes --latency seconds (80 ms by default), as over a real network.
The fake Bot API (`python -m tests.support.fake_telegram`) runs in its own process; its
/_fake/stats gives what it accepted, the 429s it answered and the most sends it accepted
within any one second. newsbot: a broadcast queued through the Store (create_broadcast +
start_broadcast) and sent by `Sender(store, sender_bot(...), shared_limiter(...), settings)`,
timed from starting the sender until every row is recorded as sent. PTB: the loop users
write, `for chat in chats: await bot.send_message(chat, text)`, on the ExtBot of an
Application built with `.rate_limiter(AIORateLimiter(overall_max_rate=R, overall_time_period=1))`,
once with PTB's default max_retries=0 and, for part a, once with max_retries=3. Part c
also reports this process's CPU milliseconds per message (time.process_time over the run)
for newsbot's Sender (PAID_BROADCAST=true), PTB's `send_message` over one httpx pool, and a
bare aiohttp loop (bench/loops.py), with each one's ratio to newsbot's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import loops
from benchlib import (
    LATENCY,
    TOKEN,
    FakeBotApi,
    bench_database,
    bench_settings,
    describe_url,
    heap_peak,
    insert_chats,
    maxrss_mib,
    migrated_store,
    utcnow,
)
from delivery_report import Run, report, report_paid, verdict
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ApplicationBuilder

from bot.domain.notes import render_broadcast
from bot.messaging.pacing import shared_limiter
from bot.messaging.sender import Sender
from bot.messaging.transport import concurrency_for, sender_bot

TEXT = render_broadcast(
    html.escape("Scheduled maintenance tonight from 01:00 to 02:00 UTC: ")
    + "<b>the site may be slow</b>. Thank you for reading!"
)
ADMIN = 1
AIO_LOGGER = "telegram.ext.AIORateLimiter"
TIMEOUT = 150.0  # seconds any one run may take


async def newsbot_run(
    name: str,
    fake: FakeBotApi,
    database_url: str | None,
    recipients: int,
    send_rate: float,
    *,
    trace: bool = False,
    paid: bool = False,
) -> Run:
    """Queue a broadcast to `recipients` chats and send it with newsbot's Sender."""
    run = Run(name, recipients, rss_before_mib=maxrss_mib())
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-delivery-") as tmp:
        async with bench_database(database_url) as url:
            store = await migrated_store(url)
            try:
                now = utcnow()
                await insert_chats(store, range(1, recipients + 1), now)
                broadcast_id = await store.create_broadcast(TEXT, None, ADMIN, None, now)
                queued = await store.start_broadcast(broadcast_id, now)
                assert queued == recipients, f"queued {queued} rows for {recipients} chats"
                settings = bench_settings(
                    url,
                    Path(tmp),
                    TELEGRAM_API_URL=fake.base_url,
                    SEND_RATE=str(send_rate),
                    PAID_BROADCAST=str(paid).lower(),
                )
                limiter = shared_limiter(settings, store)
                bot = sender_bot(settings, concurrency_for(1.0 / limiter.interval))
                async with bot:  # getMe, before the fake's counters are reset
                    await fake.reset()
                    sender = Sender(store, bot, limiter, settings)
                    stop = asyncio.Event()
                    tracing = heap_peak() if trace else contextlib.nullcontext(None)
                    with tracing as peak:
                        started, cpu = time.perf_counter(), time.process_time()
                        task = asyncio.create_task(sender.run(stop))
                        deadline = started + TIMEOUT
                        while sender.sent < queued and time.perf_counter() < deadline:
                            if task.done():
                                break
                            await asyncio.sleep(0.01)
                        run.seconds = time.perf_counter() - started
                        run.cpu_seconds = time.process_time() - cpu
                        stop.set()
                        await task
                    await limiter.close()
                run.heap = peak
                progress = await store.broadcast_progress(broadcast_id)
                run.sent = progress.sent
                if progress.remaining or progress.failed or progress.blocked:
                    run.note = f"not all sent: {progress}"
            finally:
                await store.close()
    run.stats = await fake.stats()
    run.rss_mib = maxrss_mib()
    return run


async def ptb_loop(
    name: str, fake: FakeBotApi, recipients: int, max_rate: float, max_retries: int
) -> Run:
    """The plain loop over an ExtBot whose requests go through PTB's AIORateLimiter."""
    run = Run(name, recipients, rss_before_mib=maxrss_mib())
    limiter = AIORateLimiter(
        overall_max_rate=max_rate, overall_time_period=1, max_retries=max_retries
    )
    application = ApplicationBuilder().token(TOKEN).base_url(fake.base_url).rate_limiter(limiter)
    bot = application.build().bot
    chats = range(1, recipients + 1)
    async with bot:
        await fake.reset()
        started = time.perf_counter()
        with counting_log(AIO_LOGGER, run.ptb_log):
            try:
                for chat in chats:
                    await bot.send_message(chat, TEXT, parse_mode=ParseMode.HTML)
                    run.sent += 1
            except TelegramError as exc:  # RetryAfter (a 429) is one
                run.note = f"loop stopped after {run.sent} sends: {type(exc).__name__}: {exc}"
        run.seconds = time.perf_counter() - started
    run.stats = await fake.stats()
    run.rss_mib = maxrss_mib()
    return run


class _Counting(logging.Handler):
    def __init__(self, counts: Counter[str]) -> None:
        super().__init__(logging.DEBUG)
        self.counts = counts

    def emit(self, record: logging.LogRecord) -> None:
        # "Rate limit hit. Retrying after 1.100000 seconds": count by the message's kind.
        self.counts[record.getMessage().split(".")[0]] += 1


@contextlib.contextmanager
def counting_log(name: str, counts: Counter[str]) -> Iterator[None]:
    """Count a logger's records by message instead of printing them (and their tracebacks)."""
    logger = logging.getLogger(name)
    handler = _Counting(counts)
    saved = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.level, logger.propagate = saved


async def part_a(
    database_url: str | None, recipients: int, limit: int, latency: float
) -> list[Run]:
    async with FakeBotApi(rate_limit=limit, latency=latency) as fake:
        print(f"(a) fake Bot API at {fake.base_url}, limited to {limit} sends/s, {latency} s late")
        return [
            await newsbot_run(
                f"newsbot Sender, SEND_RATE={limit}", fake, database_url, recipients, limit
            ),
            await ptb_loop(f"PTB loop, AIORateLimiter({limit}/s)", fake, recipients, limit, 0),
            await ptb_loop(
                f"PTB loop, AIORateLimiter({limit}/s), max_retries=3", fake, recipients, limit, 3
            ),
        ]


async def part_b(
    database_url: str | None, recipients: int, rate: int, traced_recipients: int, latency: float
) -> list[Run]:
    async with FakeBotApi(latency=latency) as fake:
        print(f"(b) fake Bot API at {fake.base_url}, no rate limit, {latency} s late")
        timed = await newsbot_run(
            f"newsbot Sender, SEND_RATE={rate}", fake, database_url, recipients, rate
        )
        traced = await newsbot_run(
            f"newsbot Sender, SEND_RATE={rate}, tracemalloc on",
            fake,
            database_url,
            traced_recipients,
            rate,
            trace=True,
        )
        loop = await ptb_loop(f"PTB loop, AIORateLimiter({rate}/s)", fake, recipients, rate, 0)
        return [timed, traced, loop]


async def part_c(database_url: str | None, recipients: int, rate: int, latency: float) -> list[Run]:
    """A paid broadcast (PAID_BROADCAST=true) next to PTB's and aiohttp's bare loops."""
    async with FakeBotApi(latency=latency) as fake:
        print(f"(c) fake Bot API at {fake.base_url}, no rate limit, answers after {latency} s")
        newsbot = await newsbot_run(
            f"newsbot Sender, SEND_RATE={rate}, PAID_BROADCAST=true",
            fake,
            database_url,
            recipients,
            rate,
            paid=True,
        )
        in_flight = concurrency_for(rate)
        chats = range(1, recipients + 1)
        runs = [newsbot]
        for name, loop in (
            (f"PTB loop, one httpx pool, {in_flight} in flight", loops.ptb_loop),
            (f"bare aiohttp loop, {in_flight} in flight", loops.aiohttp_loop),
        ):
            await fake.reset()
            run = Run(name, recipients, rss_before_mib=maxrss_mib())
            measured = await loop(fake.base_url, TOKEN, chats, TEXT, in_flight)
            run.sent, run.seconds, run.cpu_seconds = (
                measured.sent,
                measured.seconds,
                measured.cpu_seconds,
            )
            if measured.errors:
                run.note = f"{measured.errors} sends failed"
            run.stats = await fake.stats()
            run.rss_mib = maxrss_mib()
            runs.append(run)
        return runs


async def main_async(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    where = describe_url(args.database_url) if args.database_url else "temporary SQLite file"
    print(f"database: {where}")
    if args.part in ("a", "all"):
        runs = await part_a(args.database_url, args.recipients_a, args.limit, args.latency)
        report(f"(a) {args.recipients_a:,} recipients, fake limit {args.limit}/s", runs, args.limit)
        newsbot = runs[0]
        ratio = newsbot.rate / args.limit
        print(
            f"  goals for newsbot: ratio {ratio:.3f} >= 0.95 {verdict(ratio >= 0.95)}; "
            f"429s {newsbot.stats.get('rejected_429')} == 0 "
            f"{verdict(newsbot.stats.get('rejected_429') == 0)}"
        )
    if args.part in ("c", "all"):
        runs = await part_c(args.database_url, args.recipients_c, args.rate, args.latency)
        report_paid(
            f"(c) paid broadcast to {args.recipients_c:,} chats, fake answers after "
            f"{args.latency * 1000:.0f} ms",
            runs,
        )
    if args.part in ("b", "all"):
        runs = await part_b(
            args.database_url, args.recipients_b, args.rate, args.traced_recipients, args.latency
        )
        report(f"(b) {args.recipients_b:,} recipients, no fake limit", runs, None)
        newsbot = runs[0]
        print(
            f"  goal for newsbot: {newsbot.rate:.1f} msgs/s >= 900 {verdict(newsbot.rate >= 900)}"
        )
    print(
        "\nmsgs/s: messages recorded as sent (newsbot) or returned (PTB) per second of the run;\n"
        "429s and fake max/s: the fake's /_fake/stats (most sends accepted within any 1 s);\n"
        "peak heap: tracemalloc peak over the sending, only in the run marked so (tracing\n"
        "  slows it down: its rate is not a result; in-flight rows are bounded by the sender's\n"
        "  concurrency, so fewer recipients show the same peak);\n"
        "max RSS: ru_maxrss of this process before and after the run (a high-water mark)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--part", choices=["a", "b", "c", "all"], default="all")
    parser.add_argument("--recipients-c", type=int, default=3_000)
    parser.add_argument(
        "--latency", type=float, default=LATENCY, help="seconds the fake takes to answer"
    )
    parser.add_argument("--recipients-a", type=int, default=1_000)
    parser.add_argument("--limit", type=int, default=30, help="(a) the fake's sends per second")
    parser.add_argument("--recipients-b", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=1000, help="(b) SEND_RATE")
    parser.add_argument(
        "--traced-recipients",
        type=int,
        default=2_000,
        help="(b) recipients of the run under tracemalloc (about 4x slower)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL database to recreate for each run (name must contain 'bench'); "
        "default: temporary SQLite files",
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
