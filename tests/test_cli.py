"""The `newsbot` command line, run as a user runs it."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.cli import main
from storage.store import Store
from tests.support.fake_telegram import FakeTelegram
from tests.support.outbox import NOW
from tests.support.posts import SEED
from tests.support.processes import child_environment


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with a content folder holding the seed and one broken post."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name in {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "CONTENT_DIR", "SITE_URL"}:
            monkeypatch.delenv(name)
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(SEED, content / SEED.name)
    (content / "2026-01-01-broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n")
    monkeypatch.setenv("SITE_URL", "https://news.example")
    return tmp_path


def test_scan_dry_run_prints_and_changes_nothing(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "First scan of this database: 1 published post(s) would be recorded" in out
    assert "Nothing new to announce." in out
    assert "malformed, skipped: 2026-01-01-broken.md: bad YAML front matter" in out
    # Still the first scan: the dry run recorded nothing.
    assert main(["scan", "--dry-run"]) == 0
    assert "First scan of this database" in capsys.readouterr().out


def test_scan_then_dry_run_shows_what_a_new_post_would_do(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan"]) == 0
    (site / "content" / "2026-01-02-new.md").write_text(
        "---\ntitle: Fresh\ndate: 2026-01-02\ncategories: News\n---\nBody.\n"
    )
    capsys.readouterr()
    assert main(["scan", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would announce: 2026-01-02-new.md" in out
    assert "https://news.example/news/2026/01/02/new.html" in out
    assert "to 0 chat(s)" in out


def test_preview_prints_the_notification(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", str(site / "content" / SEED.name)]) == 0
    out = capsys.readouterr().out
    assert "photo: https://news.example/assets/images/b29b4ba7c1da8df16e0add9f27c33831.jpg" in out
    assert (
        "<b>Big News: North Korea - First road bridge to Russia 'significant' development</b>"
        in out
    )
    assert (
        '<a href="https://news.example/news/2025/04/30/north-korea-first-road-bridge.html">' in out
    )
    assert "[Unsubscribe from News]" in out


def test_preview_of_a_malformed_file_says_why(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["preview", str(site / "content" / "2026-01-01-broken.md")]) == 1
    assert "2026-01-01-broken.md: bad YAML front matter" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SEND_RATE", "abc", "SEND_RATE must be a number, got 'abc'"),
        ("SCAN_INTERVAL", "-1", "SCAN_INTERVAL must be greater than zero"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL must use sqlite+aiosqlite or postgresql"),
        ("DATABASE_URL", "newsbot.db", "DATABASE_URL must look like"),
        ("ADMIN_IDS", "12,bob", "ADMIN_IDS must be comma-separated Telegram user ids"),
        ("TIMEZONE", "Mars/Olympus", "TIMEZONE must be an IANA zone name"),
        ("PAID_BROADCAST", "maybe", "PAID_BROADCAST must be true or false"),
        ("SITE_URL", "news.example", "SITE_URL must be an absolute http(s) address"),
        ("SITE_URL", "ftp://news.example", "SITE_URL must be an absolute http(s) address"),
    ],
)
def test_a_bad_setting_stops_with_a_line_naming_it(
    site: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    message: str,
) -> None:
    monkeypatch.setenv(variable, value)
    assert main(["stats"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("newsbot: error: ") and message in err
    assert len(err.strip().splitlines()) == 1


def test_settings_come_from_a_dotenv_file(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / ".env").write_text("SEND_RATE=zero\n")
    assert main(["stats"]) == 2
    assert "SEND_RATE must be a number, got 'zero'" in capsys.readouterr().err


def test_stats_on_a_new_database(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats"]) == 0
    assert "chats: none" in capsys.readouterr().out


async def test_broadcast_from_the_shell(
    store: Store, fake: FakeTelegram, database_url: str, tmp_path: Path
) -> None:
    for chat in (1, 2, 3):
        await store.register_chat(chat, "private", "", NOW)
    await store.stop_chat(3, NOW)
    env = child_environment(
        TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url, DATABASE_URL=database_url
    )
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "broadcast", "Roads <closed>", "--yes",
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode == 0, err.decode()
    assert "delivered 2, blocked 0, failed 0" in err.decode()
    assert Counter(int(m.chat_id) for m in fake.sent) == Counter({1: 1, 2: 1})
    assert fake.sent[0].text == "📢 Roads &lt;closed&gt;"


def test_scan_dry_run_lists_scheduled_posts_apart(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan"]) == 0
    content = site / "content"
    (content / "2099-01-02-later.md").write_text("---\ntitle: Later\ndate: 2099-01-02\n---\nB.\n")
    (content / "2026-01-02-now.md").write_text("---\ntitle: Now\ndate: 2026-01-02\n---\nB.\n")
    (content / "2099-01-03-draft.md").write_text("---\ntitle: D\npublished: false\n---\nB.\n")
    capsys.readouterr()
    assert main(["scan", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would announce: 2026-01-02-now.md" in out
    assert "scheduled: 2099-01-02-later.md at 2099-01-02 00:00:00+00:00" in out
    assert "later" not in out.split("scheduled:")[0]  # not among what goes now
    assert "draft" not in out


def test_run_refuses_to_start_when_links_would_be_relative(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SITE_URL")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:9/bot")  # never reached
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("newsbot: error: SITE_URL is not set") and "relative" in err
    assert len(err.strip().splitlines()) == 1
    assert not (site / "newsbot.db").exists()


def jekyll_site(root: Path, config: str) -> Path:
    """A Jekyll site: _config.yml and one post in _posts/; returns the _posts folder."""
    posts = root / "_posts"
    posts.mkdir(parents=True)
    (root / "_config.yml").write_text(config)
    (posts / "2025-04-30-Bridge-Opens.md").write_text(
        "---\ntitle: Bridge opens\ndate: 2025-04-30 23:30\ncategories: [News]\n---\nBody.\n"
    )
    return posts


SITE_CONFIG = """\
title: News
url: "https://news.example"
baseurl: "/blog"
permalink: pretty
timezone: Asia/Tokyo
"""


@pytest.mark.parametrize("content_dir", ["site", "site/_posts"])
def test_links_follow_the_sites_config(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    content_dir: str,
) -> None:  # fmt: skip
    posts = jekyll_site(site / "site", SITE_CONFIG)
    monkeypatch.delenv("SITE_URL")
    monkeypatch.setenv("CONTENT_DIR", str(site / content_dir))
    # 23:30 in Tokyo; the site's url + baseurl; pretty links keep the file name's case.
    link = "https://news.example/blog/news/2025/04/30/Bridge-Opens/"
    assert main(["preview", str(posts / "2025-04-30-Bridge-Opens.md")]) == 0
    assert f'<a href="{link}">' in capsys.readouterr().out
    assert main(["scan"]) == 0
    (posts / "2025-05-01-Next.md").write_text("---\ntitle: Next\ncategories: [News]\n---\nB.\n")
    capsys.readouterr()
    assert main(["scan", "--dry-run"]) == 0
    assert "https://news.example/blog/news/2025/05/01/Next/" in capsys.readouterr().out


def test_settings_override_the_sites_config(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    posts = jekyll_site(site / "site", SITE_CONFIG)
    monkeypatch.setenv("CONTENT_DIR", str(posts))
    monkeypatch.setenv("TIMEZONE", "UTC")  # 2025-04-30 23:30 UTC, SITE_URL from the setting
    assert main(["preview", str(posts / "2025-04-30-Bridge-Opens.md")]) == 0
    assert 'href="https://news.example/news/2025/04/30/Bridge-Opens/"' in capsys.readouterr().out


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("url: news.example\n", "url (with baseurl) in"),
        ("url: https://news.example\ntimezone: Mars/Olympus\n", "timezone in"),
        ("permalink: /:headline/\n", "unknown placeholder ':headline'"),
        ("url: [\n", "is not valid YAML"),
        ("title: " + "a" * 300_000 + "\n", "is larger than 262144 bytes"),
    ],
)
def test_a_bad_site_config_stops_with_a_line_naming_it(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    config: str, message: str,
) -> None:  # fmt: skip
    monkeypatch.delenv("SITE_URL")
    posts = jekyll_site(site / "site", config)
    monkeypatch.setenv("CONTENT_DIR", str(posts))
    assert main(["stats"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("newsbot: error: ") and message in err and "_config.yml" in err
    assert len(err.strip().splitlines()) == 1


def test_a_whole_site_as_content_dir_reads_only_its_posts(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = site / "site"
    jekyll_site(root, SITE_CONFIG)
    # Pages, the README and installed gems' docs are Markdown too, but not posts.
    (root / "about.md").write_text("---\ntitle: About us\n---\nWho we are.\n")
    (root / "README.md").write_text("# The site's source\n")
    gem_docs = root / "vendor" / "bundle" / "gems" / "theme" / "_posts"
    gem_docs.mkdir(parents=True)
    (gem_docs / "2020-01-01-welcome.md").write_text("---\ntitle: Welcome to the theme\n---\n")
    monkeypatch.delenv("SITE_URL")
    monkeypatch.setenv("CONTENT_DIR", str(root))
    assert main(["scan", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "malformed" not in out
    assert "1 published post(s) would be recorded" in out
