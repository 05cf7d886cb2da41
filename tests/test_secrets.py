"""Secrets stay out of repr() and out of every log line, debug included."""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import make_url

from bot.redaction import hide_secrets
from bot.settings import Settings, SettingsError
from storage.store import Store
from tests.support.conversation import first_scan_done, say
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED, write_post
from tests.support.processes import child_environment
from tests.support.settings import environment_for

PASSWORD = "s3cret-Pa55word"


def test_repr_of_the_settings_hides_the_token_and_the_database_password() -> None:
    settings = Settings.from_mapping(
        {
            "TELEGRAM_BOT_TOKEN": "123456:TOKEN-SECRET-part",
            "DATABASE_URL": f"postgresql://newsbot:{PASSWORD}@db:5432/news?sslmode=require",
        }
    )
    shown = repr(settings)
    assert "TOKEN-SECRET-part" not in shown and PASSWORD not in shown
    assert "newsbot:***@db:5432/news" in shown  # the rest stays readable
    # The value itself is intact: it is what the engine connects with.
    assert (
        settings.database_url
        == f"postgresql+asyncpg://newsbot:{PASSWORD}@db:5432/news?sslmode=require"
    )
    assert (
        settings.database_url.redacted
        == "postgresql+asyncpg://newsbot:***@db:5432/news?sslmode=require"
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("sqlite+aiosqlite:///newsbot.db", "sqlite+aiosqlite:///newsbot.db"),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql://u:p%40ss@h/db", "postgresql+asyncpg://u:***@h/db"),
        (
            "postgresql://h/db?user=u&password=pw123",
            "postgresql+asyncpg://h/db?user=u&password=***",
        ),
    ],
)
def test_the_database_url_shows_everything_but_the_password(url: str, shown: str) -> None:
    database_url = Settings.from_mapping({"DATABASE_URL": url}).database_url
    assert database_url.redacted == shown
    assert shown in repr(database_url)


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        # A raw "@" in the password: the parsers disagree on where the password ends.
        ("postgresql://user:p@ss:w%40rd@db.example/news", "w%40rd"),
        ("postgresql://user:s3cret@db.example:port/news", "s3cret"),
    ],
)
def test_a_database_url_that_parsers_read_differently_is_refused_unechoed(
    url: str, secret: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_mapping({"DATABASE_URL": url})
    message = str(refused.value)
    assert "%40" in message
    assert secret not in message and "db.example" not in message


def test_a_log_record_never_carries_a_hidden_secret(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings.from_mapping(
        {
            "TELEGRAM_BOT_TOKEN": "123456:TOKEN-SECRET-part",
            "DATABASE_URL": f"postgresql://newsbot:{PASSWORD}@db/news",
        }
    )
    caplog.set_level(logging.DEBUG)
    hide_secrets(settings)
    logger = logging.getLogger("telegram.ext.ExtBot")
    logger.setLevel(logging.DEBUG)
    try:
        logger.debug("POST %s", "https://api.telegram.org/bot123456:TOKEN-SECRET-part/getMe")
        logger.debug("url %s", str(settings.database_url))
        try:
            raise ValueError(f"connect to {str(settings.database_url)} failed")
        except ValueError:
            logger.warning("failed with %s", settings.token, exc_info=True)
    finally:
        logger.setLevel(logging.NOTSET)
    text = caplog.text
    assert "getMe" in text and "failed with" in text
    assert "TOKEN-SECRET-part" not in text and PASSWORD not in text
    for record in caplog.records:
        assert "TOKEN-SECRET-part" not in record.getMessage()
        assert PASSWORD not in record.getMessage()


def with_password(database_url: str) -> str:
    """The same database, with a password in the URL (the test server trusts everyone)."""
    if database_url.startswith("sqlite"):
        return database_url
    return make_url(database_url).set(password=PASSWORD).render_as_string(hide_password=False)


async def newsbot(env: dict[str, str], cwd: Path, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


@pytest.mark.slow
async def test_verbose_run_and_scan_print_neither_the_token_nor_the_password(
    fake: FakeTelegram, database_url: str, store: Store, content: Path, tmp_path: Path
) -> None:
    url = with_password(database_url)
    env = child_environment(**environment_for(fake, url, content))
    shutil.copy(SEED, content / SEED.name)
    bot = await newsbot(env, tmp_path, "-v", "run")
    try:
        await first_scan_done(store)
        await say(fake, "/subscribe news", 1001)
        write_post(content, "2026-02-01-verbose.md", "Verbose")
        await fake.wait_for(lambda: any("Verbose" in (m.text or "") for m in fake.sent), 10)
    finally:
        bot.send_signal(signal.SIGTERM)
        run_output, _ = await asyncio.wait_for(bot.communicate(), 30)
    scan = await newsbot(env, tmp_path, "-v", "scan", "--dry-run")
    scan_output, _ = await asyncio.wait_for(scan.communicate(), 30)

    secret = fake.token.split(":", 1)[1]
    for output in (run_output.decode(), scan_output.decode()):
        assert "DEBUG" in output  # verbose indeed
        assert secret not in output
        assert PASSWORD not in output
