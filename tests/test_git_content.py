"""Posts from a git repository (CONTENT_GIT): a local bare repository is the remote.

The clone follows the branch (pushes and force-pushes), a remote that fails is logged once and
tried again with backoff, credentials never reach the logs, and the running bot announces a
post that is pushed.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.scanning.git import BACKOFF_FIRST, GitContent
from bot.settings import Settings, SettingsError
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.clock import ShiftedClock
from tests.support.conversation import ALICE, first_scan_done, say, titles
from tests.support.fake_telegram import FakeTelegram
from tests.support.git_repos import Remote, git, post_text
from tests.support.http import client, free_port
from tests.support.posts import SEED
from tests.support.processes import child_environment


def git_settings(url: str, data: Path, **extra: str) -> Settings:
    return Settings.from_mapping({"CONTENT_GIT": url, "DATA_DIR": str(data), **extra})


def posts_in(folder: Path) -> set[str]:
    return {p.name for p in folder.rglob("*.md") if ".git" not in p.parts}


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records]


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


async def test_the_clone_follows_pushes_and_force_pushes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    remote = Remote(tmp_path)
    first = remote.commit("one", {"_posts/2026-01-01-a.md": post_text("A")})
    remote.push()
    repo = GitContent.from_settings(git_settings(remote.url, tmp_path / "data"))
    assert repo is not None
    assert await repo.pull()
    clone = tmp_path / "data" / "site"
    assert posts_in(clone) == {"2026-01-01-a.md"}
    assert repo.head == first

    remote.commit("two", {"_posts/2026-01-02-b.md": post_text("B")})
    remote.push()
    assert await repo.pull()
    assert posts_in(clone) == {"2026-01-01-a.md", "2026-01-02-b.md"}

    # History rewritten: B is gone from the remote, C is new. The clone follows, no merge.
    remote.rewrite_to(first)
    rewritten = remote.commit("three", {"_posts/2026-01-03-c.md": post_text("C")})
    remote.push(force=True)
    (clone / "_posts" / "stray.md").write_text("left behind\n")  # not the remote's: removed
    assert await repo.pull()
    assert posts_in(clone) == {"2026-01-01-a.md", "2026-01-03-c.md"}
    assert git("rev-parse", "HEAD", cwd=clone).strip() == rewritten
    assert any("force-push followed" in r.getMessage() for r in caplog.records)
    # The URL is given to each fetch, never written into the clone.
    assert remote.url not in (clone / ".git" / "config").read_text()
    assert warnings(caplog) == []


async def test_default_branch_and_subdir(tmp_path: Path) -> None:
    remote = Remote(tmp_path, branch="trunk")
    remote.commit("posts", {"site/_posts/2026-01-01-a.md": post_text("A"), "README.md": "hi\n"})
    remote.push()
    settings = git_settings(remote.url, tmp_path / "data", CONTENT_SUBDIR="site/_posts/")
    assert settings.content_dir == tmp_path / "data" / "site" / "site" / "_posts"
    repo = GitContent.from_settings(settings)
    assert repo is not None and await repo.pull()
    assert repo.branch == "trunk"
    assert posts_in(settings.content_dir) == {"2026-01-01-a.md"}


async def test_a_named_branch_is_fetched(tmp_path: Path) -> None:
    remote = Remote(tmp_path)
    remote.commit("main", {"_posts/2026-01-01-main.md": post_text("Main")})
    remote.push()
    git("checkout", "--quiet", "-b", "gh-pages", cwd=remote.work)
    remote.commit("pages", {"_posts/2026-01-02-pages.md": post_text("Pages")})
    git("push", "--quiet", "origin", "gh-pages", cwd=remote.work)
    settings = git_settings(remote.url, tmp_path / "data", CONTENT_BRANCH="gh-pages")
    repo = GitContent.from_settings(settings)
    assert repo is not None and await repo.pull()
    assert posts_in(settings.content_dir) == {"2026-01-01-main.md", "2026-01-02-pages.md"}


async def test_a_failing_remote_is_logged_once_and_tried_again_with_backoff(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, clock: ShiftedClock
) -> None:
    remote = Remote(tmp_path / "up")
    remote.commit("one", {"_posts/2026-01-01-a.md": post_text("A")})
    remote.push()
    missing = tmp_path / "moved" / "site.git"
    repo = GitContent.from_settings(git_settings(str(missing), tmp_path / "data"), clock=clock)
    assert repo is not None

    assert not await repo.pull()
    [warning] = warnings(caplog)
    assert f"cannot fetch CONTENT_GIT {missing}" in warning
    assert not repo.ready

    # Within the backoff nothing is tried; after it, git is tried and fails quietly.
    assert not await repo.pull() and repo.failures == 1
    clock.advance(timedelta(seconds=BACKOFF_FIRST + 1))
    assert not await repo.pull() and repo.failures == 2
    clock.advance(timedelta(seconds=BACKOFF_FIRST + 1))
    assert not await repo.pull() and repo.failures == 2  # the second wait is twice as long
    assert len(warnings(caplog)) == 1

    # The remote is back: after the backoff the clone arrives and the recovery is logged.
    missing.parent.mkdir()
    shutil.move(remote.bare, missing)
    clock.advance(timedelta(seconds=2 * BACKOFF_FIRST))
    assert await repo.pull()
    assert repo.ready and posts_in(tmp_path / "data" / "site") == {"2026-01-01-a.md"}
    assert any(r.getMessage().startswith("fetching CONTENT_GIT") for r in caplog.records)
    assert len(warnings(caplog)) == 1

    # A later failure keeps the last copy; a publish hook skips the backoff.
    shutil.move(missing, tmp_path / "away.git")
    assert not await repo.pull()
    assert repo.ready and len(warnings(caplog)) == 2
    shutil.move(tmp_path / "away.git", missing)
    assert not await repo.pull()  # still within the backoff
    repo.retry_now()
    assert await repo.pull()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CONTENT_GIT", "--upload-pack=touch /tmp/x"),
        ("CONTENT_GIT", "ext::sh -c touch% /tmp/x"),
        ("CONTENT_GIT", "ftp://example.com/site.git"),
        ("CONTENT_BRANCH", "--force"),
        ("CONTENT_BRANCH", "main..evil"),
        ("CONTENT_SUBDIR", "../../etc"),
        ("CONTENT_SUBDIR", "/etc"),
    ],
)
def test_unsafe_git_settings_are_refused(name: str, value: str) -> None:
    values = {"CONTENT_GIT": "https://github.com/example/site.git", name: value}
    with pytest.raises(SettingsError, match=name):
        Settings.from_mapping(values)


def test_credentials_in_the_url_are_hidden_from_repr() -> None:
    settings = Settings.from_mapping(
        {"CONTENT_GIT": "https://x-access-token:ghp_s3cr3tT0ken@github.com/example/site.git"}
    )
    assert "ghp_s3cr3tT0ken" not in repr(settings)
    assert "https://***@github.com/example/site.git" in repr(settings)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_credentials_never_reach_the_output_even_with_v(tmp_path: Path) -> None:
    """`newsbot -v scan` with a remote that fails: git's messages are shown, the token never."""
    token = "ghp_Sup3rS3cretT0ken"
    url = f"http://newsbot:{token}@127.0.0.1:{_closed_port()}/site.git"
    env = child_environment(
        CONTENT_GIT=url,
        DATA_DIR=str(tmp_path / "data"),
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'newsbot.db'}",
        SITE_URL="https://news.example",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "-v", "scan", "--dry-run"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "cannot fetch CONTENT_GIT http://***@127.0.0.1" in output
    assert token not in output and "newsbot:" + token not in output
    assert not (tmp_path / "data" / "site" / ".git" / "FETCH_HEAD").exists()


async def test_a_pushed_post_is_announced(
    newsbot: BotFactory, fake: FakeTelegram, store: Store, tmp_path: Path
) -> None:
    remote = Remote(tmp_path / "remote")
    first = remote.commit("seed", {f"_posts/{SEED.name}": SEED.read_text(encoding="utf-8")})
    remote.push()
    await newsbot(CONTENT_GIT=remote.url, CONTENT_DIR="", DATA_DIR=str(tmp_path / "data"))
    await first_scan_done(store)
    await say(fake, "/subscribe news", ALICE)

    remote.commit("new post", {"_posts/2026-01-02-pushed.md": post_text("Pushed")})
    remote.push()
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Pushed"], 10)

    # A force-push that drops that post and adds another: only the new one is news.
    remote.rewrite_to(first)
    remote.commit("rewritten", {"_posts/2026-01-03-forced.md": post_text("Forced")})
    remote.push(force=True)
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Pushed", "Forced"], 10)
    await asyncio.sleep(0.5)
    assert titles(fake, ALICE) == ["Pushed", "Forced"]


async def test_the_publish_hook_fetches_and_scans_at_once(
    newsbot: BotFactory,
    fake: FakeTelegram,
    store: Store,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A push, then GitHub's "I published": the clone is fetched and the post announced, even
    in the middle of a backoff and long before the next SCAN_INTERVAL."""
    remote = Remote(tmp_path / "remote")
    remote.commit("seed", {f"_posts/{SEED.name}": SEED.read_text(encoding="utf-8")})
    remote.push()
    port = free_port()
    settings = {"HTTP_PORT": str(port), "HOOK_SECRET": "hook-secret-42", "SCAN_INTERVAL": "600"}
    await newsbot(
        CONTENT_GIT=remote.url, CONTENT_DIR="", DATA_DIR=str(tmp_path / "data"), **settings
    )
    await first_scan_done(store)
    await say(fake, "/subscribe news", ALICE)

    # The remote goes away for a moment: a requested scan fails to fetch (backoff starts).
    shutil.move(remote.bare, tmp_path / "away.git")
    async with client(port) as http:
        hook = {"Authorization": "Bearer hook-secret-42"}
        assert (await http.post("/hooks/publish", headers=hook)).status_code == 202
        async with asyncio.timeout(10):
            while not any("cannot fetch CONTENT_GIT" in m for m in messages(caplog)):
                await asyncio.sleep(0.05)
        shutil.move(tmp_path / "away.git", remote.bare)
        remote.commit("new post", {"_posts/2026-01-02-hooked.md": post_text("Hooked")})
        remote.push()
        await asyncio.sleep(0.5)
        assert titles(fake, ALICE) == []
        assert (await http.post("/hooks/publish", headers=hook)).status_code == 202
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Hooked"], 10)
