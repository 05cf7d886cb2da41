"""`newsbot deliveries`: what was sent, when, and what failed and why."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import ALICE, BOB, first_scan_done, say, titles
from tests.support.fake_telegram import FakeTelegram
from tests.support.outbox import queue_broadcast
from tests.support.posts import SEED, write_post
from tests.support.settings import environment_for


@pytest.fixture
async def history(
    newsbot: BotFactory,
    fake: FakeTelegram,
    store: Store,
    content: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> int:
    """A post sent to ALICE and refused by BOB (he blocked the bot), then a broadcast queued."""
    shutil.copy(SEED, content / SEED.name)
    await newsbot()
    await first_scan_done(store)
    await say(fake, "/subscribe news", ALICE)
    await say(fake, "/subscribe news", BOB)
    fake.blocked.add(BOB)
    write_post(content, "2026-01-02-roads.md", "Roads")
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Roads"], 10)

    async def settled() -> bool:
        return await store.pending_count() == 0

    while not await settled():
        await asyncio.sleep(0.05)
    broadcast_id = await queue_broadcast(store, [ALICE])
    monkeypatch.chdir(tmp_path)
    for name, value in environment_for(fake, database_url, content).items():
        monkeypatch.setenv(name, value)
    return broadcast_id


async def deliveries(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["deliveries", *args]) == 0
    return capsys.readouterr().out


async def test_the_table_shows_what_went_where_and_why_not(
    history: int, capsys: pytest.CaptureFixture[str]
) -> None:
    table = (await deliveries(capsys)).splitlines()
    assert table[0].split() == [
        "ID", "QUEUED", "(UTC)", "SENT", "(UTC)", "CHAT", "WHAT", "STATUS", "TRIES", "ERROR"
    ]  # fmt: skip
    rows = [line.split(None, 5)[-1] for line in table[1:]]
    assert len(rows) == 3
    assert str(ALICE) in table[1] and f"broadcast {history}" in table[1]  # newest first
    [refused] = [line for line in table if str(BOB) in line]
    assert "post 2026-01-02-roads.md" in refused and "dead" in refused
    assert "Forbidden: bot was blocked by the user" in refused
    [sent] = [line for line in table if str(ALICE) in line and "roads" in line]
    assert " sent " in sent


async def test_filters_and_json(history: int, capsys: pytest.CaptureFixture[str]) -> None:
    output = await deliveries(capsys, "--failed", "--json")
    failed = [json.loads(line) for line in output.splitlines()]
    assert [(row["chat_id"], row["status"], row["post"]) for row in failed] == [
        (BOB, "dead", "2026-01-02-roads.md")
    ]
    assert "blocked" in failed[0]["error"] and failed[0]["sent_at"] is None
    only_post = await deliveries(capsys, "--post", "2026-01-02-roads.md", "--chat", str(ALICE))
    assert len(only_post.splitlines()) == 2 and "sent" in only_post
    only_broadcast = await deliveries(capsys, "--broadcast", str(history), "--json")
    [row] = [json.loads(line) for line in only_broadcast.splitlines()]
    assert row["broadcast"] == history and row["chat_id"] == ALICE
    assert len((await deliveries(capsys, "--limit", "1")).splitlines()) == 2
    assert (await deliveries(capsys, "--post", "nope.md")).strip() == "No deliveries match."
