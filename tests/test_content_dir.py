"""Nothing in CONTENT_DIR can block the scan: FIFOs, sockets, symlinks, huge front matter."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.posts import MalformedPost
from bot.domain.site_config import SiteConfigError
from bot.scanning.files import read_post
from bot.scanning.scan import scan
from bot.site import load_site
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import titles
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED
from tests.support.processes import Process, child_environment
from tests.support.settings import environment_for, settings_for

ALICE = 1001
FRONT_MATTER_LIMIT = 64 * 1024  # bytes, as the issue promises


def write(folder: Path, name: str, title: str, extra: str = "") -> Path:
    """A post dated in the past, written atomically (the bot scans while we write)."""
    temporary = folder / f".{name}.tmp"
    temporary.write_text(
        f"---\ntitle: {title}\ndate: 2026-01-01 10:00:00 +0000\ncategories: [News]\n{extra}"
        "---\n\nBody.\n",
        encoding="utf-8",
    )
    os.replace(temporary, folder / name)
    return folder / name


def release_readers(fifo: Path) -> None:
    """Let a reader stuck opening the FIFO go on (it then reads an empty file)."""
    with contextlib.suppress(OSError):  # ENXIO: nobody is waiting to read, good
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


@pytest.fixture
async def hostile(content: Path, tmp_path: Path) -> AsyncIterator[Path]:
    """CONTENT_DIR with the seed post, a FIFO, a socket and a symlink out, all named *.md.

    Async so that its clean-up runs before the event loop waits for its threads.
    """
    shutil.copy(SEED, content / SEED.name)
    fifo = content / "x.md"
    os.mkfifo(fifo)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(content / "y.md"))
    outside = tmp_path / "outside"
    outside.mkdir()
    write(outside, "2026-01-01-secret.md", "Secret")
    (content / "2026-01-01-leak.md").symlink_to(outside / "2026-01-01-secret.md")
    yield content
    # Today's bot blocks in open() on the FIFO, forever: unblock it so the test can end.
    release_readers(fifo)
    server.close()


async def test_a_fifo_a_socket_and_a_symlink_do_not_stop_the_bot(
    newsbot: BotFactory,
    hostile: Path,
    store: Store,
    fake: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await newsbot()

    async def seed_recorded() -> bool:
        return bool(await store.topics())

    async with asyncio.timeout(10):
        while not await seed_recorded():
            await asyncio.sleep(0.05)
    await store.subscribe(ALICE, "private", "", "news", datetime.now(UTC))
    # Today's bot would announce the post this new link points to.
    (hostile / "2026-01-02-leak.md").symlink_to(hostile.parent / "outside" / "2026-01-01-secret.md")
    write(hostile, "2026-01-02-after.md", "After")
    await fake.wait_for(lambda: titles(fake, ALICE) == ["After"], 10)
    await asyncio.sleep(0.5)  # a few more scans: nothing is logged twice, the link stays unread
    assert titles(fake, ALICE) == ["After"]
    for name in ("x.md", "y.md", "2026-01-01-leak.md", "2026-01-02-leak.md"):
        lines = [r for r in caplog.records if name in r.getMessage()]
        assert len(lines) == 1, (name, [r.getMessage() for r in lines])
        assert lines[0].levelname == "WARNING"
        assert "not a regular file" in lines[0].getMessage()


async def test_scan_reports_each_special_file_once_and_reads_none(
    hostile: Path, store: Store, fake: FakeTelegram, database_url: str
) -> None:
    settings = settings_for(fake, database_url, hostile)
    first = await asyncio.wait_for(scan(store, settings), 10)
    assert {(p.path, p.reason) for p in first.malformed} == {
        ("x.md", "not a regular file (a named pipe)"),
        ("y.md", "not a regular file (a socket)"),
        ("2026-01-01-leak.md", "not a regular file (a symbolic link, not followed)"),
    }
    again = await asyncio.wait_for(scan(store, settings), 10)
    assert again.malformed == [] and again.files_read == 0


async def test_a_path_too_long_to_record_is_skipped_once_and_blocks_no_other_post(
    content: Path,
    store: Store,
    fake: FakeTelegram,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    deep = content
    for letter in "abcde":  # five folders of 250 characters: a path of over 1,024
        deep = deep / (letter * 250)
    deep.mkdir(parents=True)
    write(deep, "2026-01-02-deep.md", "Deep")
    write(content, "2026-01-03-new.md", "New")
    settings = settings_for(fake, database_url, content)
    first = await asyncio.wait_for(scan(store, settings), 10)
    assert first.first_scan and first.recorded_silently == 1  # the new post, recorded
    assert await asyncio.wait_for(scan(store, settings), 10) is not None
    warnings = [r for r in caplog.records if "longer than 1024" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"


def test_read_post_never_follows_a_symlink(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "inside").mkdir(parents=True)
    post = write(content, "2026-01-01-real.md", "Real")
    (content / "2026-01-01-out.md").symlink_to("/etc/passwd")
    (content / "2026-01-01-in.md").symlink_to(post)
    (content / "linked").symlink_to(content / "inside")
    write(content / "inside", "2026-01-01-deep.md", "Deep")
    for name in ("2026-01-01-out.md", "2026-01-01-in.md", "linked/2026-01-01-deep.md"):
        with pytest.raises(MalformedPost) as caught:
            read_post(content, content / name)
        assert caught.value.reason == "not a regular file (a symbolic link, not followed)", name
    with pytest.raises(MalformedPost, match="not inside the content folder"):
        read_post(content, content / "inside" / ".." / ".." / "2026-01-01-real.md")
    assert read_post(content, post).title == "Real"


def test_read_post_does_not_wait_on_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "2026-01-01-pipe.md"
    os.mkfifo(fifo)
    # Today's read_post blocks in open() until a writer comes: this one comes after 5 s.
    writer = threading.Timer(5, release_readers, [fifo])
    writer.start()
    try:
        with pytest.raises(MalformedPost) as caught:
            read_post(tmp_path, fifo)
    finally:
        writer.cancel()
    assert caught.value.reason == "not a regular file (a named pipe)"


def test_a_huge_front_matter_is_malformed(tmp_path: Path) -> None:
    file = tmp_path / "2026-01-01-huge.md"
    file.write_text("---\ntitle: Huge\n" + "k: v\n" * 199_000 + "---\nBody.\n")  # 1 MB
    with pytest.raises(MalformedPost) as caught:
        read_post(tmp_path, file)
    assert caught.value.reason == "front matter is larger than 64 KiB"


def test_the_largest_front_matter_is_read(tmp_path: Path) -> None:
    head = "---\ntitle: Big\nexcerpt: "
    filler = "x" * (FRONT_MATTER_LIMIT - len(head) + len("---\n") - 1)
    file = tmp_path / "2026-01-01-big.md"
    file.write_text(f"{head}{filler}\n---\nBody.\n")
    assert read_post(tmp_path, file).title == "Big"
    file.write_text(f"{head}{filler}x\n---\nBody.\n")
    with pytest.raises(MalformedPost, match="larger than 64 KiB"):
        read_post(tmp_path, file)


def test_yaml_aliases_do_not_multiply_the_work(tmp_path: Path) -> None:
    # 10**29 topics and 2**30 merged keys if anything expanded these aliases.
    lists = ["l0: &l0 [a, b, c, d, e, f, g, h, i, j]"]
    lists += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 30)]
    maps = ["m0: &m0 {k: v, j: w}"]
    maps += [f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}]}}" for i in range(1, 31)]
    file = tmp_path / "2026-01-01-laughs.md"
    file.write_text(
        "---\ntitle: Laughs\n"
        + "\n".join(lists + maps)
        + "\ncategories: *l29\ntags: [*l29, *l29]\nauthor: *m30\nimage: *m30\n---\nBody.\n"
    )
    post = read_post(tmp_path, file)
    assert (post.categories, post.tags, post.author, post.image) == ((), (), None, None)


@pytest.mark.slow
async def test_sigterm_stops_run_within_10_s_with_a_fifo_in_content_dir(
    fake: FakeTelegram, database_url: str, hostile: Path, tmp_path: Path, store: Store
) -> None:
    env = child_environment(**environment_for(fake, database_url, hostile, SCAN_INTERVAL="0.2"))
    process = Process(env, tmp_path)
    await process.start()
    try:
        await fake.wait_for(lambda: any(c.method == "getUpdates" for c in fake.calls), 15)
        await asyncio.sleep(0.5)  # the first scan has begun (today: stuck on the FIFO)
        assert process.child is not None
        process.child.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.child.wait(), 10)
    finally:
        if process.child is not None and process.child.returncode is None:
            process.child.kill()
            await process.child.wait()
    assert code == 0, process.output()[-3000:]
    assert "Traceback" not in process.output()
    assert await store.topics(), "the seed post next to the FIFO was read"


@pytest.mark.slow
async def test_sigterm_stops_run_within_10_s_during_a_long_scan(
    fake: FakeTelegram, database_url: str, content: Path, tmp_path: Path, store: Store
) -> None:
    # Each post costs about a second of YAML parsing, all in one scan.
    for n in range(100):
        write(content, f"2026-01-01-slow-{n}.md", "Slow", "tags: [" + "a," * 30_000 + "]\n")
    env = child_environment(**environment_for(fake, database_url, content))
    process = Process(env, tmp_path)
    await process.start()
    try:
        await fake.wait_for(lambda: any(c.method == "getUpdates" for c in fake.calls), 15)
        await asyncio.sleep(0.5)  # the scan is under way
        assert process.child is not None
        process.child.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.child.wait(), 10)
    finally:
        if process.child is not None and process.child.returncode is None:
            process.child.kill()
            await process.child.wait()
    assert code == 0, process.output()[-3000:]
    assert "Traceback" not in process.output()


def test_a_config_linked_out_of_the_site_is_not_read(tmp_path: Path) -> None:
    """A commit can hold `_config.yml -> /some/local/file`: the bot must not read that file."""
    outside = tmp_path / "private.yml"
    outside.write_text("url: https://private.example\npermalink: /:secret\n", encoding="utf-8")
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_config.yml").symlink_to(outside)
    with pytest.raises(SiteConfigError, match="link out of the site") as refused:
        load_site(site / "_posts")
    assert "private.example" not in str(refused.value)
    # A link within the site is the site's own business.
    (site / "_config.yml").unlink()
    (site / "config").mkdir()
    (site / "config" / "prod.yml").write_text("url: https://news.example\n", encoding="utf-8")
    (site / "_config.yml").symlink_to("config/prod.yml")
    config = load_site(site / "_posts")
    assert config is not None and config.url == "https://news.example"
