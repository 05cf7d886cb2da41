"""Scanning a big content folder: cold first scan, unchanged rescan, rescan after edits.

    python bench/scan.py [--posts 10000] [--database-url postgresql+asyncpg://...bench]
                          [--in-process]

Posts are generated in a temporary folder (front matter like content/'s seed post, topics
from a pool of 200), and `bot.scanning.scan.scan(store, settings)` runs exactly as the bot runs it:
the cold scan reads its files in worker processes (bot.scanning.parallel), or in-process with
--in-process.

Every phase runs twice on a fresh database: once timed, once under tracemalloc for the
Python heap's peak (tracing slows Python down, so its times are not reported).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from benchlib import (
    HeapPeak,
    Stopwatch,
    bench_database,
    bench_settings,
    describe_url,
    heap_peak,
    maxrss_mib,
    migrated_store,
    post_text,
    print_table,
    sentence,
    topic_pool,
    utcnow,
    write_atomically,
)

from bot.domain.scans import ScanResult
from bot.scanning import parallel
from bot.scanning.files import read_post
from bot.scanning.scan import fingerprints, scan
from bot.settings import Settings
from storage.store import Store

RESCANS = 5  # unchanged rescans timed; the median is reported
TOUCHED = 10


def generate_posts(folder: Path, count: int, seed: int) -> int:
    """Write `count` published posts dated over the last three years; returns total bytes."""
    rng = random.Random(seed)
    topics = topic_pool()
    now = utcnow()
    total = 0
    for n in range(count):
        date = now - timedelta(days=1, seconds=rng.randint(0, 3 * 365 * 86400))
        categories = rng.sample(topics, rng.randint(1, 2))
        tags = rng.sample(topics, rng.randint(2, 4))
        title = sentence(rng, rng.randint(5, 11))[:-1]
        text = post_text(
            rng,
            title,
            date,
            categories,
            tags,
            excerpt=rng.random() < 0.5,
            image=rng.random() < 0.7,
        )
        path = folder / f"{date:%Y-%m-%d}-post-{n:05d}.md"
        path.write_text(text, encoding="utf-8")
        total += len(text.encode())
    return total


def touch(folder: Path, count: int, seed: int) -> list[Path]:
    """Edit `count` posts as an author would: same file, a sentence added, a new mtime."""
    rng = random.Random(seed)
    chosen = rng.sample(sorted(folder.glob("*.md")), count)
    for path in chosen:
        stat = path.stat()
        write_atomically(path, path.read_text(encoding="utf-8") + sentence(rng, 12) + "\n")
        # Keep mtimes distinct from the previous ones even on a coarse filesystem clock.
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    return chosen


@dataclass
class Phase:
    name: str
    seconds: float
    result: ScanResult
    rss_mib: float
    heap: HeapPeak | None = None


async def timed_scan(store: Store, settings: Settings) -> tuple[float, ScanResult]:
    with Stopwatch() as watch:
        result = await scan(store, settings)
    return watch.seconds, result


async def traced(step: Callable[[], Awaitable[ScanResult]]) -> HeapPeak:
    with heap_peak() as peak:
        await step()
    return peak


async def run(posts: int, database_url: str | None, seed: int) -> None:
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-scan-") as tmp:
        content = Path(tmp) / "content"
        content.mkdir()
        with Stopwatch() as writing:
            size = generate_posts(content, posts, seed)
        print(
            f"{posts:,} posts written to {content} ({size / 2**20:.1f} MiB) "
            f"in {writing.seconds:.1f} s"
        )
        workers = parallel.workers_for(posts)
        print(
            f"cold scan reads in {f'{workers} worker processes' if workers > 1 else 'this process'}"
        )

        phases: list[Phase] = []
        # Pass 1: timed.
        async with bench_database(database_url) as url:
            print(f"database: {describe_url(url)}")
            settings = bench_settings(url, content)
            store = await migrated_store(url)
            try:
                seconds, result = await timed_scan(store, settings)
                phases.append(Phase("cold first scan", seconds, result, maxrss_mib()))
                rescans = [await timed_scan(store, settings) for _ in range(RESCANS)]
                times = [s for s, _ in rescans]
                phases.append(
                    Phase(
                        f"unchanged rescan (median of {RESCANS})",
                        statistics.median(times),
                        rescans[-1][1],
                        maxrss_mib(),
                    )
                )
                unchanged_range = (min(times), max(times))
                # What an unchanged rescan consists of: the folder walk and the stored list.
                with Stopwatch() as walk:
                    await asyncio.to_thread(fingerprints, settings.content_dir)
                with Stopwatch() as stored:
                    await store.file_fingerprints()
                touch(content, TOUCHED, seed + 1)
                seconds, result = await timed_scan(store, settings)
                name = f"rescan, {TOUCHED} files edited"
                phases.append(Phase(name, seconds, result, maxrss_mib()))
            finally:
                await store.close()

        # Pass 2: the same phases on a fresh database, under tracemalloc.
        async with bench_database(database_url) as url:
            settings = bench_settings(url, content)
            store = await migrated_store(url)
            try:
                phases[0].heap = await traced(lambda: scan(store, settings))
                phases[1].heap = await traced(lambda: scan(store, settings))
                touch(content, TOUCHED, seed + 2)
                phases[2].heap = await traced(lambda: scan(store, settings))
            finally:
                await store.close()

    print_table(
        f"scan() of {posts:,} posts",
        [
            "phase",
            "seconds",
            "files read",
            "recorded silently",
            "announced",
            "peak heap MiB",
            "max RSS MiB",
        ],
        [
            [
                p.name,
                p.seconds,
                p.result.files_read,
                p.result.recorded_silently,
                len(p.result.announced),
                p.heap.mib if p.heap else "-",
                p.rss_mib,
            ]
            for p in phases
        ],
    )
    low, high = unchanged_range
    verdict = "met" if phases[1].seconds < 0.5 else "NOT met"
    print(
        f"\nunchanged rescan: min {low:.3f} s, max {high:.3f} s; goal < 0.5 s {verdict}\n"
        f"  its parts, timed alone: walk + stat of the folder (bot.scanning.scan.fingerprints) "
        f"{walk.seconds:.3f} s, store.file_fingerprints() {stored.seconds:.3f} s\n"
        "peak heap: tracemalloc peak of the Python heap during that phase (second pass);\n"
        "max RSS: ru_maxrss of this process after the phase (includes everything before it)"
    )


def parse_only(posts: int, seed: int) -> None:
    """CPU per post of reading and parsing alone (bot.scanning.files.read_post), no database."""
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-parse-") as tmp:
        content = Path(tmp) / "content"
        content.mkdir()
        generate_posts(content, posts, seed)
        files = sorted(content.rglob("*.md"))
        started = time.process_time()
        for file in files:
            read_post(content, file)
        cpu = time.process_time() - started
    print(f"read_post() of {len(files):,} posts: {1000 * cpu / len(files):.3f} CPU ms a post")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL database to recreate for the run (name must contain 'bench'); "
        "default: a temporary SQLite file",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--parse-only", action="store_true", help="only the CPU of reading and parsing a post"
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="read every scan's files in this process, no worker processes",
    )
    args = parser.parse_args()
    if args.in_process:
        parallel.PARALLEL_FROM = args.posts + 1
    if args.parse_only:
        parse_only(args.posts, args.seed)
        return
    asyncio.run(run(args.posts, args.database_url, args.seed))


if __name__ == "__main__":
    main()
