"""The fake Bot API's knobs: chat errors, retry-after, rate limits, latency, control endpoints."""

from __future__ import annotations

import datetime as dtm
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from telegram import (
    Bot,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from tests.support.fake_api import CHAT, GROUP, ManualClock
from tests.support.fake_telegram import (
    FakeTelegram,
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url) as client:
        yield client


# ----------------------------------------------------------------------------- knobs


async def test_chat_knobs_raise_ptbs_exceptions(bot: Bot, fake: FakeTelegram) -> None:
    fake.blocked.add(1)
    fake.kicked.add(-2)
    fake.deactivated.add(3)
    fake.migrated[-4] = GROUP
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1, "x")
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await bot.send_message(-2, "x")
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(3, "x")
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(-4, "x")
    assert migrated.value.new_chat_id == GROUP
    fake.bad_photos = {"https://e.x/broken.jpg"}
    await bot.send_photo(CHAT, "https://e.x/fine.jpg")
    with pytest.raises(BadRequest, match="Wrong type of the web page content"):
        await bot.send_photo(CHAT, "https://e.x/broken.jpg")
    assert fake.rejected == [] and len(fake.sent) == 1  # knobs are not the bot's mistakes


async def test_update_helpers_move_the_knobs(fake: FakeTelegram) -> None:
    fake.my_chat_member(CHAT, "kicked")
    fake.my_chat_member(GROUP, "kicked")
    assert (fake.blocked, fake.kicked) == ({CHAT}, {GROUP})
    fake.my_chat_member(GROUP, "member")
    assert fake.kicked == set()
    fake.migrate(-4, GROUP)
    assert fake.migrated == {-4: GROUP} and fake.chat(GROUP)["type"] == "supergroup"


async def test_forced_retry_after(
    bot: Bot, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # else PTB warns when reading retry_after
    fake.force_retry_after(3, count=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(CHAT, "x")
        assert caught.value.retry_after == dtm.timedelta(seconds=3)
    await bot.send_message(CHAT, "x")
    assert fake.rejected_429 == 2 and len(fake.sent) == 1


async def test_bot_wide_rate_limit_uses_a_sliding_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    clock = ManualClock()
    async with (
        FakeTelegram(rate_limit=3, clock=clock) as fake,
        Bot(fake.token, base_url=fake.base_url) as bot,
    ):
        for step in (0.0, 0.25, 0.5):
            clock.now += step
            await bot.send_message(CHAT + int(step * 10), "x")
        await bot.edit_message_text("y", CHAT, 1)  # edits do not count
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(CHAT, "x")
        assert caught.value.retry_after == dtm.timedelta(seconds=1)
        clock.now += 0.25  # the first send leaves the window
        await bot.send_message(CHAT, "x")
        assert fake.max_sends_in_window(1.0) == 3
        assert fake.max_sends_in_window(2.0) == 4
        assert fake.stats()["rejected_429"] == 1


async def test_group_rate_limit_is_per_group_per_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    clock = ManualClock()
    async with (
        FakeTelegram(group_rate_limit=2, clock=clock) as fake,
        Bot(fake.token, base_url=fake.base_url) as bot,
    ):
        await bot.send_message(GROUP, "1")
        clock.now += 10
        await bot.send_message(GROUP, "2")
        await bot.send_message(CHAT, "private chats are not limited")
        await bot.send_message(CHAT, "private chats are not limited")
        await bot.send_message(GROUP - 1, "another group")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(GROUP, "3")
        assert caught.value.retry_after == dtm.timedelta(seconds=50)
        clock.now += 50
        await bot.send_message(GROUP, "3")
        assert fake.max_group_sends_in_window(GROUP, 60.0) == 2


async def test_error_rate_answers_bad_gateway() -> None:
    async with FakeTelegram(error_rate=1.0) as fake, Bot(fake.token, base_url=fake.base_url) as bot:
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(CHAT, "x")
        assert fake.sent == [] and fake.stats()["by_status"] == {"200": 1, "502": 1}


async def test_a_slow_answer_is_delivered_but_marked(bot: Bot, fake: FakeTelegram) -> None:
    fake.method_delays["sendMessage"] = 1.0
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "late", read_timeout=0.1)
    await fake.wait_for(lambda: fake.sent and fake.sent[0].slow)
    assert fake.sent[0].text == "late"


async def test_latency_delays_every_answer_errors_included() -> None:
    async with (
        FakeTelegram(latency=1.0) as fake,
        Bot(fake.token, base_url=fake.base_url) as bot,
    ):
        fake.blocked.add(CHAT + 1)
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "on its way", read_timeout=0.1)
        with pytest.raises(TimedOut):  # a refusal takes the same way back
            await bot.send_message(CHAT + 1, "refused", read_timeout=0.1)
        await fake.wait_idle()
        assert [m.text for m in fake.sent] == ["on its way"]
        fake.latency = 0.0
        assert (await bot.send_message(CHAT, "at once", read_timeout=0.5)).text == "at once"


async def test_control_endpoints(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(CHAT, "x")
    async with httpx.AsyncClient() as client:
        root = fake.base_url.removesuffix("/bot")
        stats = (await client.get(f"{root}/_fake/stats")).json()
        assert stats == {
            "sent": 1,
            "rejected_429": 0,
            "max_per_second": 1,
            "by_status": {"200": 2},
            "rejected": 0,
        }
        await client.post(f"{root}/_fake/reset")
    assert fake.sent == [] and fake.calls == []


@pytest.mark.slow
def test_command_line_server_serves_until_sigterm() -> None:
    root = Path(__file__).resolve().parents[1]
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "tests.support.fake_telegram", "--port", "0"),
            *("--rate-limit", "30", "--latency", "0.01"),
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().split()[-1]
        me = httpx.post(f"{base_url}123456:TEST-token/getMe").json()
        assert me["result"]["username"] == "newsbot_test_bot"
        stats = httpx.get(base_url.removesuffix("/bot") + "/_fake/stats").json()
        assert stats["by_status"] == {"200": 1}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
