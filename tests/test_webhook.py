"""Webhook mode: Telegram (the fake) pushes updates to POST /telegram; no polling."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from storage.store import Store
from tests.support.bots import BotFactory, RunningBot
from tests.support.clock import ShiftedClock
from tests.support.conversation import ALICE, BOB, first_scan_done, say, titles
from tests.support.fake_telegram import DEFAULT_TOKEN, FakeTelegram
from tests.support.http import client, free_port
from tests.support.posts import SEED, write_post
from tests.support.processes import child_environment
from tests.support.settings import environment_for, settings_for

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# start(port, **settings) -> a RunningBot in webhook mode that already set the webhook
WebhookBots = Callable[..., Awaitable[RunningBot]]


@pytest.fixture
async def webhook_bot(
    fake: FakeTelegram, database_url: str, content: Path, store: Store, clock: ShiftedClock
) -> AsyncIterator[WebhookBots]:
    bots: list[RunningBot] = []

    async def start(port: int, url: str | None = None, **extra: str) -> RunningBot:
        url = url or f"http://127.0.0.1:{port}/telegram"
        settings = settings_for(
            fake, database_url, content, HTTP_PORT=str(port), WEBHOOK_URL=url, **extra
        )
        bot = RunningBot(settings, clock=clock)
        await bot.start()
        bots.append(bot)
        return bot

    yield start
    for bot in bots:
        await bot.shutdown()


async def test_updates_pushed_to_the_webhook_get_replies_and_nobody_polls(
    webhook_bot: WebhookBots, fake: FakeTelegram, store: Store, content: Path
) -> None:
    shutil.copy(SEED, content / SEED.name)
    port = free_port()
    await webhook_bot(port)
    await fake.wait_for(lambda: fake.webhook_url, 10, what="setWebhook")
    [call] = [c for c in fake.calls if c.method == "setWebhook"]
    assert call.params["url"] == f"http://127.0.0.1:{port}/telegram"
    assert call.params["secret_token"] == hashlib.sha256(DEFAULT_TOKEN.encode()).hexdigest()
    assert "message" in call.params["allowed_updates"]
    assert "chat_member" in call.params["allowed_updates"]
    await first_scan_done(store)

    reply = await say(fake, "/subscribe news", ALICE)
    assert "Subscribed to <b>News</b>" in reply
    write_post(content, "2026-01-02-pushed.md", "Pushed")
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Pushed"], 10)
    assert fake.webhook_pushes and set(fake.webhook_pushes) == {200}
    assert not [c for c in fake.calls if c.method == "getUpdates"]


async def test_an_update_without_the_secret_is_refused_and_not_processed(
    webhook_bot: WebhookBots, fake: FakeTelegram
) -> None:
    port = free_port()
    await webhook_bot(port, WEBHOOK_SECRET="our_secret-1")
    await fake.wait_for(lambda: fake.webhook_url, 10, what="setWebhook")
    update = {"update_id": 900, **fake.command("/start", chat_id=BOB, enqueue=False)}
    async with client(port) as http:
        missing = await http.post("/telegram", json=update)
        wrong = await http.post("/telegram", json=update, headers={SECRET_HEADER: "our_secret-2"})
        malformed = await http.post(
            "/telegram", content=b"{", headers={SECRET_HEADER: "our_secret-1"}
        )
        assert (missing.status_code, wrong.status_code, malformed.status_code) == (403, 403, 400)
        await asyncio.sleep(1.0)
        assert fake.messages_to(BOB) == []
        # The right secret: the same update is handled.
        right = await http.post("/telegram", json=update, headers={SECRET_HEADER: "our_secret-1"})
        assert right.status_code == 200
    await fake.wait_for(lambda: fake.messages_to(BOB), 10)


async def test_updates_of_the_wrong_shape_get_400_not_a_crash(
    webhook_bot: WebhookBots, fake: FakeTelegram
) -> None:
    port = free_port()
    await webhook_bot(port, WEBHOOK_SECRET="our_secret-1")
    await fake.wait_for(lambda: fake.webhook_url, 10, what="setWebhook")
    chat = {"id": BOB, "type": "private"}
    odd = [
        {"update_id": 1, "message": "text"},
        {"update_id": 2, "message": {"message_id": 1, "date": 10**30, "chat": chat}},
        {"update_id": 3, "callback_query": [1]},
        {"update_id": 4, "message": {"message_id": 1, "date": 1, "chat": chat, "entities": "x"}},
        [1, 2],
        {"update_id": "5"},
    ]
    async with client(port) as http:
        for update in odd:
            answer = await http.post(
                "/telegram", json=update, headers={SECRET_HEADER: "our_secret-1"}
            )
            assert answer.status_code == 400, update
    await asyncio.sleep(0.5)
    assert fake.messages_to(BOB) == []


async def test_every_run_process_takes_updates_and_only_one_scans(
    webhook_bot: WebhookBots, fake: FakeTelegram, store: Store, content: Path
) -> None:
    shutil.copy(SEED, content / SEED.name)
    first, second = free_port(), free_port()
    balancer = f"http://127.0.0.1:{first}/telegram"  # Telegram knows one address
    await webhook_bot(first, balancer)
    await fake.wait_for(lambda: fake.webhook_url, 10, what="setWebhook")
    await first_scan_done(store)
    await webhook_bot(second, balancer)
    async with client(second) as http:
        for _ in range(200):  # the second process's server is up once it answers
            try:
                health = (await http.get("/healthz")).json()
                break
            except Exception:
                await asyncio.sleep(0.05)
        assert health["role"] == "webhook" and health["seconds_since_last_scan"] is None
        update = {"update_id": 901, **fake.command("/start", chat_id=BOB, enqueue=False)}
        secret = hashlib.sha256(DEFAULT_TOKEN.encode()).hexdigest()
        answer = await http.post("/telegram", json=update, headers={SECRET_HEADER: secret})
        assert answer.status_code == 200
    await fake.wait_for(lambda: fake.messages_to(BOB), 10)
    assert len([c for c in fake.calls if c.method == "setWebhook"]) == 1  # the role's holder


async def test_without_a_webhook_url_the_webhook_is_deleted_and_polling_goes_on(
    newsbot: BotFactory, fake: FakeTelegram
) -> None:
    fake.webhook_url = "https://old.example/telegram"  # left by an earlier webhook deployment
    await newsbot(HTTP_PORT=str(free_port()))
    methods = [c.method for c in fake.calls]
    assert "deleteWebhook" in methods
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    assert fake.webhook_url == ""
    assert await say(fake, "/start", ALICE)  # polled, handled, answered


@pytest.mark.slow
async def test_verbose_webhook_mode_logs_neither_secret(
    fake: FakeTelegram, database_url: str, store: Store, content: Path, tmp_path: Path
) -> None:
    port = free_port()
    secret = "Webhook_Secret-Value-9"
    env = child_environment(
        **environment_for(fake, database_url, content),
        HTTP_PORT=str(port),
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_SECRET=secret,
        HOOK_SECRET="Hook_Secret-Value-8",
    )
    log = tmp_path / "newsbot.log"
    with log.open("wb") as out:
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "-v", "run",
            env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        await fake.wait_for(lambda: fake.webhook_url, 60, what="setWebhook")
        assert fake.webhook_secret == secret
        assert await say(fake, "/start", ALICE)  # pushed, handled, answered
        async with client(port) as http:
            wrong = await http.post(
                "/telegram", json={"update_id": 1}, headers={SECRET_HEADER: secret + "x"}
            )
        assert wrong.status_code == 403
    finally:
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), 30)
    output = log.read_text(encoding="utf-8")
    assert "DEBUG" in output and f"webhook set to http://127.0.0.1:{port}/telegram" in output
    for hidden in (secret, "Hook_Secret-Value-8", fake.token.split(":", 1)[1]):
        assert hidden not in output
