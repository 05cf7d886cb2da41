"""LOG_FORMAT=json, and the one line per announced post and per broadcast in either format."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot import redaction
from bot.logs import JsonFormatter
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import buttons, eventually, first_scan_done, say, titles
from tests.support.fake_telegram import FakeTelegram
from tests.support.http import free_port
from tests.support.posts import SEED, write_post
from tests.support.processes import child_environment
from tests.support.settings import environment_for

HOOK_SECRET = "hook-Secret-value-77"
ADMIN = 777


@pytest.mark.slow
async def test_json_lines_under_v_carry_the_announcement_and_no_secret(
    fake: FakeTelegram, database_url: str, store: Store, content: Path, tmp_path: Path
) -> None:
    env = child_environment(
        **environment_for(fake, database_url, content),
        LOG_FORMAT="json",
        HTTP_PORT=str(free_port()),
        HOOK_SECRET=HOOK_SECRET,
    )
    shutil.copy(SEED, content / SEED.name)
    log = tmp_path / "newsbot.log"  # a file, not a pipe: nobody reads a pipe meanwhile
    with log.open("wb") as out:
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "-v", "run",
            env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        # A child process on a busy machine may take a while to start.
        async def seed_recorded() -> bool:
            return bool(await store.topics())

        await eventually(seed_recorded, 60)
        await say(fake, "/subscribe news", 1001)
        write_post(content, "2026-02-01-json.md", "Json")
        await fake.wait_for(lambda: titles(fake, 1001) == ["Json"], 10)
    finally:
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), 30)

    text = log.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert any(line["level"] == "DEBUG" for line in lines)  # -v indeed
    [announced] = [line for line in lines if line.get("event") == "announced"]
    assert announced["file"] == "2026-02-01-json.md"
    assert announced["link"].startswith("https://news.example/news/")
    assert announced["link"].endswith("/json.html")
    assert announced["recipients"] == 1
    assert announced["logger"] == "bot.activity"
    webhook_secret = hashlib.sha256(fake.token.encode()).hexdigest()
    for secret in (fake.token.split(":", 1)[1], HOOK_SECRET, webhook_secret):
        assert secret not in text


async def test_a_finished_broadcast_logs_who_to_whom_and_how_it_went(
    newsbot: BotFactory, fake: FakeTelegram, store: Store, content: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    shutil.copy(SEED, content / SEED.name)
    await newsbot(ADMIN_IDS=str(ADMIN))
    await first_scan_done(store)
    for chat in (2001, 2002):
        await say(fake, "/start", chat)
    await say(fake, "/broadcast Roads open", ADMIN)
    preview = fake.messages_to(ADMIN)[-1]
    send, *_ = buttons(preview)
    fake.press_button(preview, send["callback_data"], user_id=ADMIN)
    await fake.wait_for(
        lambda: "Done in" in (fake.message(ADMIN, preview.message_id) or {}).get("text", ""), 10
    )
    [line] = [r for r in caplog.records if getattr(r, "event", None) == "broadcast"]
    assert line.getMessage() == (
        f"broadcast 1 by admin {ADMIN} to every active chat: 2 chats, 2 sent, 0 blocked, 0 failed"
    )


def test_the_json_formatter_blanks_secrets_in_extras_and_tracebacks() -> None:
    redaction.SECRETS.hide("extra-secret-123")
    try:
        raise ValueError("boom extra-secret-123")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info()
        )
    record.detail = "with extra-secret-123 inside"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed here" and entry["level"] == "ERROR"
    assert entry["detail"] == "with *** inside"
    assert "extra-secret-123" not in entry["exception"] and "ValueError" in entry["exception"]
