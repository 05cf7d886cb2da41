"""Shared pieces of the benchmarks: databases, the fake Bot API process, posts, chats, tables.

Imported by the scripts in this folder as `benchlib` (run them from the repo root:
`python bench/NAME.py`, which puts bench/ first on sys.path).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import resource
import signal
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.settings import Settings
from storage.models import Base
from storage.schema import upgrade
from storage.store import Store

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:TEST-token"  # the fake Bot API's default token
# Seconds the fake takes to answer in the quoted figures (Telegram takes tens to hundreds of ms).
LATENCY = 0.08
SITE_URL = "https://news.example"
INSERT_CHUNK = 20_000

# ---------------------------------------------------------------------------- measuring


def maxrss_mib() -> float:
    """This process's peak resident set size so far (ru_maxrss, KiB on Linux), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class HeapPeak:
    """The Python heap's peak (tracemalloc) over a `with heap_peak()` block, in MiB."""

    mib: float = 0.0


@contextlib.contextmanager
def heap_peak() -> Iterator[HeapPeak]:
    """Trace Python allocations for the block; tracing slows Python, so do not time it."""
    result = HeapPeak()
    tracemalloc.start()
    try:
        yield result
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result.mib = peak / 2**20


class Stopwatch:
    """Wall-clock seconds over a `with` block (time.perf_counter)."""

    seconds: float = 0.0

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.seconds = time.perf_counter() - self._start


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A plain, aligned text table."""
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    print(f"\n{title}")
    for n, row in enumerate(cells):
        aligned = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(aligned))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


# ---------------------------------------------------------------------------- databases


def describe_url(url: str) -> str:
    """The URL without a password, for printing."""
    return make_url(url).render_as_string(hide_password=True)


@contextlib.asynccontextmanager
async def bench_database(url: str | None) -> AsyncIterator[str]:
    """A fresh, empty database for one run, removed afterwards.

    None: an SQLite file in a temporary folder. A PostgreSQL URL: that database is dropped
    and created anew (and dropped at the end), so its name must contain "bench".
    """
    if url is None:
        with tempfile.TemporaryDirectory(prefix="newsbot-bench-db-") as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'newsbot.db'}"
        return
    settings_url = Settings.from_mapping({"DATABASE_URL": url}).database_url
    parsed = make_url(settings_url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(f"--database-url must be PostgreSQL (or omitted for SQLite), got {url}")
    name = parsed.database or ""
    if "bench" not in name:
        raise SystemExit(
            f"refusing to drop database {name!r}: the benchmark recreates the database it is "
            "given, so its name must contain 'bench' (e.g. newsbot_bench)"
        )
    admin = create_async_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield settings_url
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def migrated_store(url: str) -> Store:
    """A Store on `url` with the schema at the code's head (what `newsbot db upgrade` does)."""
    store = Store.open(url)
    await upgrade(store.engine)
    return store


async def analyze(store: Store) -> None:
    """Refresh the planner's statistics after a bulk load, as autovacuum would by then."""
    async with store.engine.connect() as conn:
        if store.is_sqlite:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
        else:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE"))


# ---------------------------------------------------------------------------- chats


async def insert_chats(store: Store, chat_ids: Sequence[int], now: datetime) -> None:
    """Bulk-insert active private chats with SQLAlchemy core (setup, not the bot's path)."""
    async with store.engine.begin() as conn:
        for start in range(0, len(chat_ids), INSERT_CHUNK):
            rows = [
                {
                    "id": chat_id,
                    "type": "private",
                    "title": "",
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                }
                for chat_id in chat_ids[start : start + INSERT_CHUNK]
            ]
            await conn.execute(insert(Base.metadata.tables["chats"]), rows)


async def insert_subscriptions(
    store: Store, pairs: Sequence[tuple[int, str]], now: datetime
) -> None:
    """Bulk-insert (chat_id, topic key) subscriptions with SQLAlchemy core."""
    async with store.engine.begin() as conn:
        for start in range(0, len(pairs), INSERT_CHUNK):
            rows = [
                {"chat_id": chat_id, "topic": topic, "created_at": now}
                for chat_id, topic in pairs[start : start + INSERT_CHUNK]
            ]
            await conn.execute(insert(Base.metadata.tables["subscriptions"]), rows)


# ---------------------------------------------------------------------------- content

REGIONS = (
    "Europe", "Asia", "Africa", "Middle East", "Latin America", "North America", "Oceania",
    "Russia", "China", "India", "Ukraine", "Germany", "France", "Japan", "Brazil", "Korea",
    "Iran", "Turkey", "Britain", "United States",
)  # fmt: skip
SUBJECTS = (
    "Politics", "Economy", "Energy", "Health", "Science", "Technology", "Sport", "Culture",
    "Climate", "Security",
)  # fmt: skip
WORDS = (
    "government", "minister", "said", "report", "talks", "agreement", "border", "market",
    "prices", "growth", "election", "vote", "court", "ruling", "officials", "sources", "week",
    "year", "city", "region", "country", "people", "workers", "plan", "project", "bridge",
    "company", "investment", "deal", "sanctions", "energy", "gas", "oil", "power", "grid",
    "study", "researchers", "data", "results", "team", "season", "match", "final", "record",
    "crowd", "festival", "film", "museum", "storm", "flood", "heat", "drought", "emissions",
    "summit", "leaders", "security", "forces", "troops", "ceasefire", "hospital", "doctors",
    "patients", "vaccine", "schools", "students", "budget", "tax", "inflation", "bank",
    "rates",
)  # fmt: skip


def topic_pool() -> list[str]:
    """200 topic names ("Europe Politics", ...): every region with every subject."""
    return [f"{region} {subject}" for region in REGIONS for subject in SUBJECTS]


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def post_text(
    rng: random.Random,
    title: str,
    date: datetime,
    categories: Sequence[str],
    tags: Sequence[str],
    *,
    excerpt: bool = True,
    image: bool = True,
) -> str:
    """A Jekyll post: front matter like the seed post's, then a few paragraphs."""
    quoted = ", ".join(f'"{c}"' for c in categories)
    tag_list = ", ".join(f'"{t}"' for t in tags)
    lines = [
        "---",
        "layout: post",
        f'title: "{title}"',
        f"date: {date:%Y-%m-%d %H:%M:%S} +0000",
        f'author: "{rng.choice(["badely", "mlee", "okafor", "ines", "tkato"])}"',
        f"categories: [{quoted}]",
        f"tags: [{tag_list}]",
    ]
    if excerpt:
        lines.append(f'excerpt: "{sentence(rng, 18)}"')
    if image:
        lines.append(f"image: assets/images/{rng.getrandbits(64):016x}.jpg")
    lines.append("---")
    body = "\n\n".join(
        " ".join(sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(3, 6)))
        for _ in range(rng.randint(2, 4))
    )
    return "\n".join(lines) + "\n\n" + body + "\n"


def write_atomically(path: Path, content: str) -> None:
    """Write a file the way an editor or a site build does: never half-written for a scan."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(content, encoding="utf-8")
    os.replace(temporary, path)


def new_post(
    folder: Path, rng: random.Random, slug: str, topics: Sequence[str], now: datetime
) -> Path:
    """Write one post due now (dated a minute ago) with the given topics (first = category)."""
    date = now - timedelta(minutes=1)
    path = folder / f"{date:%Y-%m-%d}-{slug}.md"
    title = f"Breaking: {sentence(rng, 6)[:-1]}"
    write_atomically(path, post_text(rng, title, date, topics[:1], topics[1:]))
    return path


def bench_settings(database_url: str, content_dir: Path, **extra: str) -> Settings:
    """Settings as the bot would read them from its environment."""
    values = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "DATABASE_URL": database_url,
        "CONTENT_DIR": str(content_dir),
        "SITE_URL": SITE_URL,
    }
    values.update(extra)
    return Settings.from_mapping(values)


# ---------------------------------------------------------------------------- fake Bot API


class FakeBotApi:
    """The fake Bot API (`python -m tests.support.fake_telegram`) in its own process.

    Its CPU is not charged to the sender.
    """

    def __init__(self, *, rate_limit: int | None = None, latency: float = 0.0) -> None:
        self.rate_limit = rate_limit
        self.latency = latency  # seconds every answer takes, as over a real network
        self.base_url = ""
        self._process: asyncio.subprocess.Process | None = None

    @property
    def root_url(self) -> str:
        """http://127.0.0.1:PORT"""
        return self.base_url.removesuffix("/bot")

    async def __aenter__(self) -> FakeBotApi:
        args = ["-m", "tests.support.fake_telegram", "--port", "0"]
        if self.rate_limit is not None:
            args += ["--rate-limit", str(self.rate_limit)]
        if self.latency:
            args += ["--latency", str(self.latency)]
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE
        )
        assert self._process.stdout is not None
        # It prints "fake Telegram listening on http://127.0.0.1:PORT/bot" once serving.
        line = await asyncio.wait_for(self._process.stdout.readline(), 30)
        if not line:
            raise RuntimeError("the fake Bot API exited before it started listening")
        self.base_url = line.decode().split()[-1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self._process.wait(), 10)

    async def stats(self) -> dict[str, Any]:
        """GET /_fake/stats: sent, rejected_429, max_per_second, by_status, rejected."""
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{self.root_url}/_fake/stats", timeout=60)
            response.raise_for_status()
            result: dict[str, Any] = response.json()
            return result

    async def first_sent(self, client: httpx.AsyncClient, contains: str) -> dict[str, Any]:
        """GET /_fake/first_sent: `at` (time.monotonic of the machine, or None) and `before`
        (messages accepted before it) of the first message holding `contains`.

        Polled often: the caller keeps one client (making one costs the event loop ~20 ms).
        """
        response = await client.get(
            f"{self.root_url}/_fake/first_sent", params={"contains": contains}, timeout=60
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def reset(self) -> None:
        """Forget what was sent (and the rate-limit window), keep the knobs."""
        async with httpx.AsyncClient() as client:
            response = await client.post(f"{self.root_url}/_fake/reset", timeout=60)
            response.raise_for_status()


def utcnow() -> datetime:
    return datetime.now(UTC)
