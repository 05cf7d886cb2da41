"""The command line and its database: out of reach, late to start, never written by a dry run."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, make_url

from bot.cli import main
from bot.settings import Settings, SettingsError
from storage.schema import alembic_config, current_revision, head_revision
from storage.store import Store
from tests.support.databases import reset_postgres
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED
from tests.support.processes import Process, child_environment
from tests.support.settings import environment_for

SECRET = "s3cret-Passw0rd"
ALEMBIC_NOISE = ("alembic", "Context impl", "Will assume")


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def newsbot(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` as a user runs it, in `cwd` (no .env there)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=child_environment(**env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def unreachable_url() -> str:
    return f"postgresql+asyncpg://newsbot:{SECRET}@127.0.0.1:{closed_port()}/newsbot"


# -- an unreachable database: one line, exit 2 ----------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["stats"], ["scan"], ["scan", "--dry-run"], ["db", "upgrade"], ["broadcast", "x", "--yes"],
     ["run"], ["worker"]],
    ids=" ".join,
)  # fmt: skip
def test_an_unreachable_database_is_one_line_without_the_password(
    tmp_path: Path, args: list[str]
) -> None:
    url = unreachable_url()
    done = newsbot(
        tmp_path, *args, DATABASE_URL=url, TELEGRAM_BOT_TOKEN="1:x", DB_WAIT_SECONDS="0",
        CONTENT_DIR=str(tmp_path), SITE_URL="https://news.example",
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    shown = make_url(url).render_as_string(hide_password=True)
    [line] = done.stderr.splitlines()
    assert line.startswith(f"newsbot: error: cannot reach the database (DATABASE_URL={shown}): ")
    assert "Connect call failed" in line and ":***@" in shown
    assert SECRET not in done.stdout + done.stderr


def test_a_missing_sqlite_folder_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'newsbot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["stats"]) == 2
    assert capsys.readouterr().err == (
        f"newsbot: error: cannot reach the database (DATABASE_URL={url}): "
        "unable to open database file\n"
    )


def test_run_waits_for_the_database_then_gives_up_in_one_line(tmp_path: Path) -> None:
    url = unreachable_url()
    done = newsbot(
        tmp_path, "run", DATABASE_URL=url, TELEGRAM_BOT_TOKEN="1:x", DB_WAIT_SECONDS="2",
        CONTENT_DIR=str(tmp_path), SITE_URL="https://news.example",
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    shown = make_url(url).render_as_string(hide_password=True)
    # Tries at about 0, 0.5 and 1.5 s each say so; the last, at 2 s, ends it.
    tries, last = lines[:-1], lines[-1]
    assert len(tries) >= 2
    for line in tries:
        assert f"WARNING storage.schema: database not reachable (DATABASE_URL={shown})" in line
        assert "trying again in" in line
    assert last.startswith(f"newsbot: error: cannot reach the database (DATABASE_URL={shown})")
    assert last.endswith("(waited 2 s)")
    assert SECRET not in done.stderr


@pytest.mark.parametrize(
    ("value", "wait"), [(None, 60.0), ("0", 0.0), ("2.5", 2.5), ("soon", None), ("-1", None)]
)
def test_db_wait_seconds_is_a_setting(value: str | None, wait: float | None) -> None:
    environ = {} if value is None else {"DB_WAIT_SECONDS": value}
    if wait is None:
        with pytest.raises(SettingsError, match=f"DB_WAIT_SECONDS must be .*, got '{value}'"):
            Settings.from_mapping(environ)
    else:
        assert Settings.from_mapping(environ).db_wait_seconds == wait


@contextlib.asynccontextmanager
async def tcp_proxy(port: int, target: tuple[str, int]) -> AsyncIterator[None]:
    """Listen on 127.0.0.1:`port` and pass every connection on to `target`."""
    pipes: set[asyncio.Task[None]] = set()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*target)
        for task in (pipe(reader, up_writer), pipe(up_reader, writer)):
            pipes.add(asyncio.create_task(task))

    server = await asyncio.start_server(connect, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()
        for task in pipes:
            task.cancel()
        await asyncio.gather(*pipes, return_exceptions=True)


@pytest.mark.postgres
async def test_run_started_before_the_database_waits_and_then_works(
    postgres_url: str, fake: FakeTelegram, content: Path, tmp_path: Path
) -> None:
    """A compose stack may start the bot before PostgreSQL listens: the bot waits for it."""
    await reset_postgres(postgres_url)
    store = Store.open(postgres_url)
    try:
        await _upgrade(store, "head")
    finally:
        await store.close()
    real = make_url(postgres_url)
    port = closed_port()
    late = real.set(host="127.0.0.1", port=port, password=SECRET)
    env = environment_for(fake, late.render_as_string(hide_password=False), content)
    process = Process(child_environment(**env, DB_WAIT_SECONDS="30"), tmp_path)
    await process.start()
    try:
        for _ in range(100):
            if "database not reachable" in process.output():
                break
            await asyncio.sleep(0.1)
        assert "database not reachable" in process.output()
        async with tcp_proxy(port, (real.host or "127.0.0.1", real.port or 5432)):
            await fake.wait_for(lambda: fake.polling, 20)
            fake.command("/start", chat_id=77)
            await fake.wait_for(lambda: bool(fake.messages_to(77)), 10)
            assert await process.signal(signal.SIGTERM) == 0
    finally:
        if process.child is not None:
            await process.signal(signal.SIGKILL)
    assert SECRET not in process.output()


# -- quiet commands; dry runs that write nothing --------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """An empty working folder with a content folder holding the seed post."""
    folder = tmp_path / "site"
    (folder / "content").mkdir(parents=True)
    shutil.copy(SEED, folder / "content" / SEED.name)
    return folder


def files_in(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file directly in `folder`: name -> (mtime_ns, sha256 of its bytes)."""
    return {
        path.name: (path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
        for path in folder.iterdir()
        if path.is_file()
    }


def test_commands_print_no_alembic_lines(site: Path) -> None:
    env = {"SITE_URL": "https://news.example", "DATABASE_URL": ""}
    for args in (["scan"], ["stats"]):  # creates and migrates newsbot.db, then checks it
        done = newsbot(site, *args, **env)
        assert done.returncode == 0, done.stderr
        assert not [line for line in done.stderr.splitlines() if any(
            noise in line for noise in ALEMBIC_NOISE
        )], (args, done.stderr)  # fmt: skip


def test_scan_dry_run_in_an_empty_folder_creates_no_file(site: Path) -> None:
    before = files_in(site)
    done = newsbot(site, "scan", "--dry-run", SITE_URL="https://news.example", DATABASE_URL="")
    assert done.returncode == 0, done.stderr
    assert "First scan of this database: 1 published post(s) would be recorded" in done.stdout
    assert files_in(site) == before == {}


async def test_scan_dry_run_leaves_an_existing_database_unchanged(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(site)
    monkeypatch.setenv("SITE_URL", "https://news.example")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert await asyncio.to_thread(main, ["scan"]) == 0
    (site / "content" / "2026-01-02-new.md").write_text(
        "---\ntitle: Fresh\ndate: 2026-01-02\ncategories: News\n---\nBody.\n"
    )
    before = files_in(site)
    assert list(before) == ["newsbot.db"]
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["scan", "--dry-run"]) == 0
    assert "would announce: 2026-01-02-new.md" in capsys.readouterr().out
    assert files_in(site) == before

    # A database restored from a backup (VACUUM INTO) has a rollback journal, not WAL.
    with contextlib.closing(sqlite3.connect(site / "newsbot.db")) as restore:
        restore.execute("PRAGMA journal_mode=DELETE")
    before = files_in(site)
    assert await asyncio.to_thread(main, ["scan", "--dry-run"]) == 0
    assert "would announce: 2026-01-02-new.md" in capsys.readouterr().out
    assert files_in(site) == before

    # While a bot has it open, what it wrote so far sits in newsbot.db-wal: still untouched.
    with contextlib.closing(sqlite3.connect(site / "newsbot.db")) as running:
        running.execute("PRAGMA journal_mode=WAL")
        running.execute("PRAGMA wal_autocheckpoint=0")
        running.execute("PRAGMA user_version=7")
        before = files_in(site)
        assert await asyncio.to_thread(main, ["scan", "--dry-run"]) == 0
        after = files_in(site)
    assert "would announce: 2026-01-02-new.md" in capsys.readouterr().out
    for name in ("newsbot.db", "newsbot.db-wal"):
        assert after[name] == before[name], name


def _upgrade_to(revision: str) -> object:
    def run(sync: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync
        command.upgrade(config, revision)

    return run


async def _upgrade(store: Store, revision: str) -> None:
    async with store.engine.begin() as conn:
        await conn.run_sync(_upgrade_to(revision))  # type: ignore[arg-type]


async def test_scan_dry_run_never_migrates_a_database_behind_the_code(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = site / "newsbot.db"
    store = Store.open(f"sqlite+aiosqlite:///{database}")
    try:
        await _upgrade(store, "0001")
    finally:
        await store.close()
    assert head_revision() != "0001"
    before = files_in(site)
    monkeypatch.chdir(site)
    monkeypatch.setenv("SITE_URL", "https://news.example")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert await asyncio.to_thread(main, ["scan", "--dry-run"]) == 0
    assert "First scan of this database" in capsys.readouterr().out
    assert files_in(site) == before
    store = Store.open(f"sqlite+aiosqlite:///{database}")
    try:
        assert await current_revision(store.engine) == "0001"
    finally:
        await store.close()
