"""POST /hooks/publish: an authenticated "I published" makes the bot scan at once."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

from bot.web.hooks import authorized
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import ALICE, first_scan_done, say, titles
from tests.support.fake_telegram import FakeTelegram
from tests.support.http import client, free_port
from tests.support.posts import SEED, write_post

SECRET = "hook-secret-42"


def github_signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def started(
    newsbot: BotFactory, fake: FakeTelegram, store: Store, content: Path, **extra: str
) -> int:
    """A bot that scans only at start (no watching, SCAN_INTERVAL=600), ALICE following News."""
    port = free_port()
    shutil.copy(SEED, content / SEED.name)
    await newsbot(HTTP_PORT=str(port), SCAN_INTERVAL="600", WATCH="false", **extra)
    await first_scan_done(store)
    await say(fake, "/subscribe news", ALICE)
    return port


async def test_a_bearer_token_makes_the_bot_scan_now(
    newsbot: BotFactory, fake: FakeTelegram, store: Store, content: Path
) -> None:
    port = await started(newsbot, fake, store, content, HOOK_SECRET=SECRET)
    write_post(content, "2026-01-02-hooked.md", "Hooked")
    await asyncio.sleep(1.0)
    assert titles(fake, ALICE) == []  # the next scan is ten minutes away
    async with client(port) as http:
        answer = await http.post("/hooks/publish", headers={"Authorization": f"Bearer {SECRET}"})
    assert answer.status_code == 202
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Hooked"], 10)


async def test_githubs_signature_of_the_body_makes_the_bot_scan_now(
    newsbot: BotFactory, fake: FakeTelegram, store: Store, content: Path
) -> None:
    port = await started(newsbot, fake, store, content, HOOK_SECRET=SECRET)
    write_post(content, "2026-01-02-pushed.md", "Pushed")
    body = json.dumps({"ref": "refs/heads/main", "after": "abc123"}).encode()
    async with client(port) as http:
        forged = await http.post(
            "/hooks/publish",
            content=body,
            headers={"X-Hub-Signature-256": github_signature(body, "not-the-secret")},
        )
        assert forged.status_code == 401
        await asyncio.sleep(1.0)
        assert titles(fake, ALICE) == []
        signed = await http.post(
            "/hooks/publish", content=body, headers={"X-Hub-Signature-256": github_signature(body)}
        )
    assert signed.status_code == 202
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Pushed"], 10)


async def test_no_or_wrong_credentials_get_401_and_nothing_is_scanned(
    newsbot: BotFactory, fake: FakeTelegram, store: Store, content: Path
) -> None:
    port = await started(newsbot, fake, store, content, HOOK_SECRET=SECRET)
    write_post(content, "2026-01-02-waiting.md", "Waiting")
    async with client(port) as http:
        statuses = [
            (await http.post("/hooks/publish")).status_code,
            (
                await http.post("/hooks/publish", headers={"Authorization": "Bearer nope"})
            ).status_code,
            (await http.post("/hooks/publish", headers={"Authorization": SECRET})).status_code,
            (await http.get("/hooks/publish")).status_code,
        ]
    assert statuses == [401, 401, 401, 405]
    await asyncio.sleep(1.0)
    assert titles(fake, ALICE) == []


async def test_without_hook_secret_the_hook_is_closed(
    newsbot: BotFactory, fake: FakeTelegram, store: Store, content: Path
) -> None:
    port = await started(newsbot, fake, store, content)
    async with client(port) as http:
        answer = await http.post("/hooks/publish", headers={"Authorization": "Bearer x"})
    assert answer.status_code == 401


def test_authorization_rules() -> None:
    body = b'{"x": 1}'
    assert authorized(SECRET, f"Bearer {SECRET}", "", body)
    assert authorized(SECRET, f"bearer {SECRET}", "", body)
    assert not authorized(SECRET, f"Bearer {SECRET}x", "", body)
    assert not authorized(SECRET, f"Basic {SECRET}", "", body)
    assert authorized(SECRET, "", github_signature(body), body)
    assert not authorized(SECRET, "", github_signature(body + b" "), body)
    assert not authorized(SECRET, "", github_signature(body)[7:], body)  # without sha256=
    assert not authorized(None, f"Bearer {SECRET}", github_signature(body), body)
    assert not authorized("", "Bearer ", "", body)


async def test_a_huge_body_is_refused_with_413_announced_or_streamed(
    newsbot: BotFactory, fake: FakeTelegram, store: Store, content: Path
) -> None:
    port = await started(newsbot, fake, store, content, HOOK_SECRET=SECRET)
    write_post(content, "2026-01-02-flooded.md", "Flooded")
    bearer = {"Authorization": f"Bearer {SECRET}"}

    async def streamed() -> AsyncIterator[bytes]:  # chunked: no Content-Length to trust
        for _ in range(40):
            yield b"x" * 65536

    async with client(port) as http:
        announced = await http.post("/hooks/publish", content=b"x" * (2 << 20), headers=bearer)
        chunked = await http.post("/hooks/publish", content=streamed(), headers=bearer)
    assert (announced.status_code, chunked.status_code) == (413, 413)
    await asyncio.sleep(1.0)
    assert titles(fake, ALICE) == []
