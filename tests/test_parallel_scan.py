"""A big scan reads its files in worker processes (bot.scanning.parallel): same posts, same
warnings, and a stopping bot leaves no worker behind."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import UTC
from pathlib import Path

import pytest

from bot.domain.permalinks import Permalinks
from bot.domain.posts import MalformedPost, Post
from bot.scanning import parallel
from bot.scanning.scan import scan
from storage.store import Store
from tests.support.fake_telegram import FakeTelegram
from tests.support.processes import Process, child_environment
from tests.support.settings import environment_for, settings_for

BROKEN = {
    "2026-01-02-no-title.md": "---\ndate: 2026-01-02\n---\nBody.\n",
    "2026-01-02-bad-yaml.md": "---\ntitle: [unclosed\n---\nBody.\n",
    "2026-01-02-not-closed.md": "---\ntitle: Open\n",
    "2026-01-02-bad-date.md": "---\ntitle: T\ndate: 2026-02-30\n---\nBody.\n",
    "2026-01-02-binary.md": "---\ntitle: B\n---\n\0\n",
}


def write_posts(folder: Path, count: int, extra: str = "") -> None:
    for n in range(count):
        (folder / f"2026-01-01-post-{n:04d}.md").write_text(
            f"---\ntitle: Post {n}\ndate: 2026-01-01 10:00:00 +0000\n"
            f"categories: [News, 'Topic {n % 7}']\ntags:\n  - t{n % 3}\n{extra}---\n\n"
            f"First *paragraph* of {n}.\n\nSecond.\n",
            encoding="utf-8",
        )


def same(post: Post | MalformedPost) -> object:
    return (post.path, post.reason) if isinstance(post, MalformedPost) else (post, post.topics)


def test_workers_read_what_this_process_reads(content: Path) -> None:
    write_posts(content, parallel.PARALLEL_FROM)
    for name, text in BROKEN.items():
        (content / name).write_text(text, encoding="utf-8")
    paths = sorted(p.name for p in content.iterdir())
    links = Permalinks()
    pooled = parallel.read_posts(content, paths, tz=UTC, links=links)
    alone = parallel.read_batch(content, paths, UTC, links)
    assert [same(p) for p in pooled] == [same(p) for p in alone]
    assert [p.path for p in pooled] == paths
    assert {p.path for p in pooled if isinstance(p, MalformedPost)} == set(BROKEN)


async def test_a_big_first_scan_records_every_post_and_warns_once_per_bad_file(
    content: Path,
    store: Store,
    fake: FakeTelegram,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    write_posts(content, parallel.PARALLEL_FROM)
    for name, text in BROKEN.items():
        (content / name).write_text(text, encoding="utf-8")
    os.mkfifo(content / "2026-01-02-fifo.md")  # reported, never opened
    settings = settings_for(fake, database_url, content)
    first = await asyncio.wait_for(scan(store, settings), 60)
    assert first.files_read == parallel.PARALLEL_FROM + len(BROKEN) + 1
    assert first.recorded_silently == parallel.PARALLEL_FROM
    assert {p.path for p in first.malformed} == {*BROKEN, "2026-01-02-fifo.md"}
    assert {t.key for t in await store.topics()} >= {"news", "topic-6", "t2"}
    for name in [*BROKEN, "2026-01-02-fifo.md"]:
        lines = [r for r in caplog.records if name in r.getMessage()]
        assert len(lines) == 1 and lines[0].levelname == "WARNING", name
    again = await asyncio.wait_for(scan(store, settings), 60)
    assert again.files_read == 0 and again.malformed == []


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def started_big_scan(
    fake: FakeTelegram, database_url: str, content: Path, tmp_path: Path
) -> tuple[Process, set[int]]:
    """A bot that has begun a first scan of minutes, and its scan's worker processes."""
    # Each post costs about a second of YAML parsing.
    write_posts(content, parallel.PARALLEL_FROM, "keywords: [" + "a," * 30_000 + "]\n")
    env = child_environment(**environment_for(fake, database_url, content))
    process = Process(env, tmp_path)
    await process.start()
    await fake.wait_for(lambda: any(c.method == "getUpdates" for c in fake.calls), 15)
    assert process.child is not None
    workers: set[int] = set()
    for _ in range(100):
        workers = children_of(process.child.pid)
        if len(workers) >= 2:
            break
        await asyncio.sleep(0.1)
    assert len(workers) >= 2
    return process, workers


async def gone(pids: set[int]) -> bool:
    for _ in range(50):
        if not any(alive(pid) for pid in pids):
            return True
        await asyncio.sleep(0.1)
    return False


@pytest.mark.slow
async def test_sigterm_during_a_big_scan_stops_the_bot_and_its_workers(
    fake: FakeTelegram, database_url: str, content: Path, tmp_path: Path, store: Store
) -> None:
    process, workers = await started_big_scan(fake, database_url, content, tmp_path)
    try:
        assert process.child is not None
        process.child.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.child.wait(), 10)
    finally:
        if process.child is not None and process.child.returncode is None:
            process.child.kill()
            await process.child.wait()
    assert code == 0, process.output()[-3000:]
    assert "Traceback" not in process.output()
    assert await gone(workers)


@pytest.mark.slow
async def test_a_killed_bot_leaves_no_worker_behind(
    fake: FakeTelegram, database_url: str, content: Path, tmp_path: Path, store: Store
) -> None:
    process, workers = await started_big_scan(fake, database_url, content, tmp_path)
    assert process.child is not None
    process.child.kill()
    await process.child.wait()
    assert await gone(workers)
