"""The HTTP server: GET /healthz and GET /metrics, over real HTTP to a running newsbot."""

from __future__ import annotations

import asyncio
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import make_url

from bot import runner
from bot.domain.health import HealthFacts, OutboxSummary, problems, report
from bot.settings import SettingsError
from storage.schema import upgrade
from storage.store import Store
from tests.support.bots import BotFactory, RunningBot
from tests.support.clock import ShiftedClock
from tests.support.conversation import ALICE, first_scan_done, say, titles
from tests.support.databases import reset_postgres
from tests.support.fake_telegram import FakeTelegram
from tests.support.http import client, free_port, metric
from tests.support.posts import SEED, write_post
from tests.support.proxy import TcpProxy
from tests.support.settings import settings_for


async def test_healthz_says_what_the_process_sees(
    newsbot: BotFactory, fake: FakeTelegram, store: Store, content: Path
) -> None:
    port = free_port()
    shutil.copy(SEED, content / SEED.name)
    await newsbot(HTTP_PORT=str(port))
    await first_scan_done(store)
    async with client(port) as http:
        answer = await http.get("/healthz")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["ok"] is True and body["problems"] == []
    assert body["database"] is True
    assert body["role"] == "polling" and body["updates"] is True
    assert 0 <= body["seconds_since_last_scan"] < 60
    assert body["notes_pending"] == 0 and body["oldest_pending_seconds"] is None


async def test_healthz_is_503_and_names_an_overdue_scan(
    newsbot: BotFactory, store: Store, content: Path, clock: ShiftedClock
) -> None:
    port = free_port()
    shutil.copy(SEED, content / SEED.name)
    await newsbot(HTTP_PORT=str(port), SCAN_INTERVAL="600", WATCH="false")
    await first_scan_done(store)
    clock.advance(timedelta(hours=2))  # the next scan is due in ten minutes of real time
    async with client(port) as http:
        answer = await http.get("/healthz")
    assert answer.status_code == 503
    body = answer.json()
    assert body["ok"] is False
    [problem] = body["problems"]
    assert problem.startswith("no scan for 72") and "SCAN_INTERVAL is 600 s" in problem


async def test_metrics_count_notes_updates_scans_and_read_the_outbox(
    newsbot: BotFactory, fake: FakeTelegram, store: Store, content: Path
) -> None:
    port = free_port()
    shutil.copy(SEED, content / SEED.name)
    await newsbot(HTTP_PORT=str(port))
    await first_scan_done(store)
    await say(fake, "/subscribe news", ALICE)
    write_post(content, "2026-01-02-bridge.md", "Bridge")
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Bridge"], 10)
    async with client(port) as http:
        # The outcome is counted right after the send, and written to the outbox in the
        # sender's next batch of outcomes.
        for _ in range(100):
            answer = await http.get("/metrics")
            sent = metric(answer.text, "newsbot_notes_total", kind="post", outcome="sent")
            if sent and metric(answer.text, "newsbot_outbox_pending") == 0.0:
                break
            await asyncio.sleep(0.05)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    text = answer.text
    assert metric(text, "newsbot_notes_total", kind="post", outcome="sent") == 1.0
    assert metric(text, "newsbot_outbox_pending") == 0.0
    assert metric(text, "newsbot_outbox_oldest_pending_seconds") == 0.0
    assert metric(text, "newsbot_broadcasts", state="sending") == 0.0
    assert (metric(text, "newsbot_update_handling_seconds_count") or 0) >= 1
    assert (metric(text, "newsbot_scan_duration_seconds_count") or 0) >= 2
    assert (metric(text, "newsbot_last_scan_timestamp_seconds") or 0) > 1.7e9
    assert metric(text, "newsbot_telegram_429_total") == 0.0


async def test_metrics_count_429s_and_their_wait(
    newsbot: BotFactory, fake: FakeTelegram, store: Store, content: Path
) -> None:
    port = free_port()
    shutil.copy(SEED, content / SEED.name)
    await newsbot(HTTP_PORT=str(port))
    await first_scan_done(store)
    await say(fake, "/subscribe news", ALICE)
    fake.force_retry_after(1)
    write_post(content, "2026-01-02-slow.md", "Slow down")
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Slow down"], 10)
    async with client(port) as http:
        text = (await http.get("/metrics")).text
    assert metric(text, "newsbot_telegram_429_total") == 1.0
    assert metric(text, "newsbot_telegram_429_wait_seconds_total") == 1.0
    assert metric(text, "newsbot_notes_total", kind="post", outcome="deferred") == 1.0


async def test_a_port_in_use_stops_run_with_one_line(
    fake: FakeTelegram, database_url: str, content: Path, store: Store
) -> None:
    port = free_port()
    with_port = settings_for(fake, database_url, content, HTTP_PORT=str(port))
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", port)
    try:
        with pytest.raises(SettingsError, match=f"cannot listen on HTTP_HOST=127.0.0.1 "
                           f"HTTP_PORT={port}"):
            await runner.run(with_port, asyncio.Event())
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.postgres
async def test_a_worker_serves_health_and_metrics(
    fake: FakeTelegram, postgres_url: str, content: Path
) -> None:
    port = free_port()
    settings = settings_for(fake, postgres_url, content, HTTP_PORT=str(port))
    stop = asyncio.Event()
    working = asyncio.create_task(runner.work(settings, stop))
    try:
        async with client(port) as http:
            for _ in range(200):
                try:
                    answer = await http.get("/healthz")
                    break
                except Exception:
                    await asyncio.sleep(0.05)
            assert answer.status_code == 200, answer.text
            assert answer.json()["role"] == "worker"
            assert answer.json()["seconds_since_last_scan"] is None
            assert (await http.get("/metrics")).status_code == 200
            assert (await http.post("/hooks/publish")).status_code == 404  # a worker scans not
    finally:
        stop.set()
        await asyncio.wait_for(working, 15)


def test_health_problems_are_named() -> None:
    base = HealthFacts(role="polling", updates_alive=True, scan_interval=60, since_last_scan=10)
    assert problems(base) == []
    assert problems(HealthFacts("polling", False, 60, 10)) == [
        "polling is not running: Telegram's updates are not taken"
    ]
    assert problems(HealthFacts("polling", True, 60, 241)) == [
        "no scan for 241 s (SCAN_INTERVAL is 60 s)"
    ]
    assert problems(HealthFacts("polling", True, 60, 240)) == []
    down = HealthFacts("worker", True, 60, None, database_error="OSError: refused")
    assert problems(down) == ["database unreachable: OSError: refused"]


def test_health_report_ages_the_oldest_pending_note() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    outbox = OutboxSummary(pending=3, oldest_pending=now - timedelta(seconds=90))
    body = report(HealthFacts("standby", True, 60, None, outbox=outbox), now)
    assert body["notes_pending"] == 3 and body["oldest_pending_seconds"] == 90.0
    assert body["ok"] is True and body["role"] == "standby"


@pytest.mark.postgres
async def test_healthz_is_503_while_the_database_is_out_of_reach_and_200_after(
    fake: FakeTelegram, content: Path, postgres_url: str
) -> None:
    await reset_postgres(postgres_url)
    store = Store.open(postgres_url)  # the test's own view, not through the proxy
    await upgrade(store.engine)
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    port = free_port()
    bot = RunningBot(settings_for(fake, proxied, content, HTTP_PORT=str(port)))
    shutil.copy(SEED, content / SEED.name)
    try:
        await bot.start()
        await first_scan_done(store)
        async with client(port) as http:
            await fake.wait_for(lambda: fake.polling, 10)
            assert (await http.get("/healthz")).status_code == 200
            await proxy.cut()
            down = await http.get("/healthz")
            assert down.status_code == 503
            body = down.json()
            assert body["database"] is False and body["notes_pending"] is None
            assert body["problems"][0].startswith("database unreachable: ")
            assert (await http.get("/metrics")).status_code == 200  # counters still shown
            await proxy.restore()
            for _ in range(200):  # the poller takes its lock again within seconds
                if (await http.get("/healthz")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            assert (await http.get("/healthz")).json()["ok"] is True
    finally:
        await bot.shutdown()
        await proxy.stop()
        await store.close()
