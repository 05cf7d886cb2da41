"""The outbox sender against a misbehaving fake Bot API: 429, 403, migrations, 502s, timeouts."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.outbox import Retry, Sent
from bot.domain.pacing import RateLimiter
from bot.messaging.pacing import shared_limiter
from bot.messaging.sender import Sender
from bot.messaging.transport import sender_bot
from bot.settings import Settings
from storage.store import Store
from tests.conftest import settings_for
from tests.fake_telegram import FakeTelegram

NOW = datetime(2026, 3, 1, tzinfo=UTC)


async def queue_broadcast(
    store: Store, chats: list[int], text: str = "Breaking: <b>news</b>"
) -> int:
    """Register the chats and queue one broadcast to all of them."""
    for chat_id in chats:
        await store.register_chat(chat_id, "private" if chat_id > 0 else "group", "", NOW)
    broadcast_id = await store.create_broadcast(text, None, 1, None, NOW)
    assert await store.start_broadcast(broadcast_id, NOW) == len(chats)
    return broadcast_id


@contextlib.asynccontextmanager
async def sending(store: Store, settings: Settings, **options: object) -> AsyncIterator[Sender]:
    """A Sender working in the background for the duration of the block."""
    limiter = shared_limiter(settings, store)
    bot = sender_bot(settings, 16, timeout=float(options.pop("timeout", 5.0)))  # type: ignore[arg-type]
    stop = asyncio.Event()
    async with bot:
        sender = Sender(store, bot, limiter, settings, retry_base=0.05, **options)  # type: ignore[arg-type]
        task = asyncio.create_task(sender.run(stop))
        try:
            yield sender
        finally:
            stop.set()
            await task
            await limiter.close()


async def settled(store: Store, broadcast_id: int, seconds: float = 15.0) -> None:
    """Wait until no row of the broadcast is pending or being sent."""
    async with asyncio.timeout(seconds):
        while (await store.broadcast_progress(broadcast_id)).remaining:
            await asyncio.sleep(0.05)


def received(fake: FakeTelegram) -> Counter[int]:
    return Counter(int(m.chat_id) for m in fake.sent)


@pytest.fixture
def settings(fake: FakeTelegram, database_url: str, content: Path) -> Settings:
    return settings_for(fake, database_url, content, SEND_RATE="100", MAX_ATTEMPTS="8")


async def test_every_chat_gets_the_message_once(
    store: Store, settings: Settings, fake: FakeTelegram
) -> None:
    chats = list(range(1, 121))
    broadcast_id = await queue_broadcast(store, chats)
    async with sending(store, settings):
        await settled(store, broadcast_id)
    assert received(fake) == Counter({chat: 1 for chat in chats})
    assert (await store.broadcast_progress(broadcast_id)).sent == len(chats)
    assert await store.pending_count() == 0


async def test_429_pauses_every_send_for_retry_after_and_does_not_count_an_attempt(
    store: Store, settings: Settings, fake: FakeTelegram
) -> None:
    chats = list(range(1, 41))
    broadcast_id = await queue_broadcast(store, chats)
    fake.force_retry_after(1, count=1)
    async with sending(store, settings):
        await settled(store, broadcast_id)
    assert received(fake) == Counter({chat: 1 for chat in chats})
    [refused] = [c for c in fake.calls if c.status == 429]
    later = [c.at for c in fake.calls if c.method == "sendMessage" and c.at > refused.at]
    # Sends already on the wire may land just after; nothing new starts inside the pause.
    started_in_pause = [t for t in later if refused.at + 0.05 < t < refused.at + 0.95]
    assert not started_in_pause
    stats = await store.stats()
    assert stats.deliveries == {"sent": len(chats)}


async def test_403_marks_the_chat_inactive_and_its_rows_dead(
    store: Store, settings: Settings, fake: FakeTelegram
) -> None:
    fake.blocked.update({3, 5})
    broadcast_id = await queue_broadcast(store, [1, 2, 3, 4, 5])
    async with sending(store, settings):
        await settled(store, broadcast_id)
    assert set(received(fake)) == {1, 2, 4}
    assert await store.chat_status(3) == "blocked"
    progress = await store.broadcast_progress(broadcast_id)
    assert (progress.sent, progress.blocked, progress.failed) == (3, 2, 0)
    # Blocked chats are skipped by the next broadcast, and come back with /start.
    second = await store.create_broadcast("again", None, 1, None, NOW)
    assert await store.start_broadcast(second, NOW) == 3
    assert await store.register_chat(3, "private", "", NOW) is True
    assert await store.chat_status(3) == "active"


async def test_502s_are_retried_with_backoff_until_delivered(
    store: Store, settings: Settings, fake: FakeTelegram
) -> None:
    fake.error_rate = 0.3
    chats = list(range(1, 61))
    broadcast_id = await queue_broadcast(store, chats)
    async with sending(store, settings):
        await settled(store, broadcast_id, seconds=30)
    assert received(fake) == Counter({chat: 1 for chat in chats})
    assert any(c.status == 502 for c in fake.calls)


async def test_rows_fail_after_max_attempts(
    store: Store, fake: FakeTelegram, database_url: str, content: Path
) -> None:
    settings = settings_for(fake, database_url, content, MAX_ATTEMPTS="3")
    fake.error_rate = 1.0
    broadcast_id = await queue_broadcast(store, [1, 2])
    async with sending(store, settings):
        await settled(store, broadcast_id)
    assert (await store.broadcast_progress(broadcast_id)).failed == 2
    assert sum(c.method == "sendMessage" for c in fake.calls) == 6  # 3 attempts each


async def test_a_slow_answer_past_the_timeout_is_retried_and_nothing_is_missing(
    store: Store, settings: Settings, fake: FakeTelegram
) -> None:
    fake.method_delays["sendMessage"] = 1.0
    broadcast_id = await queue_broadcast(store, [1, 2, 3])
    async with sending(store, settings, timeout=0.3):
        await asyncio.sleep(0.6)
        fake.method_delays.clear()
        await settled(store, broadcast_id)
    counts = received(fake)
    assert set(counts) == {1, 2, 3}
    # Telegram may have delivered the first try of a timed-out send: at most one extra.
    assert all(n <= 2 for n in counts.values())


@pytest.mark.allow_errors
async def test_html_telegram_cannot_parse_is_logged_and_not_retried(
    store: Store, settings: Settings, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    broadcast_id = await queue_broadcast(store, [1], text="<b>unclosed")
    async with sending(store, settings):
        await settled(store, broadcast_id)
    assert (await store.broadcast_progress(broadcast_id)).failed == 1
    assert sum(c.method == "sendMessage" for c in fake.calls) == 1
    assert any("BUG" in r.getMessage() and "<b>unclosed" in r.getMessage() for r in caplog.records)
    fake.rejected.clear()


async def test_the_rate_limit_holds_in_every_one_second_window(
    store: Store, fake: FakeTelegram, database_url: str, content: Path
) -> None:
    settings = settings_for(fake, database_url, content, SEND_RATE="20")
    broadcast_id = await queue_broadcast(store, list(range(1, 71)))
    async with sending(store, settings):
        await settled(store, broadcast_id)
    assert fake.max_sends_in_window(1.0) <= 20
    assert not [c for c in fake.calls if c.status == 429]


async def test_groups_get_at_most_their_limit_per_window(
    store: Store, settings: Settings, fake: FakeTelegram
) -> None:
    group = -100
    ids = [await queue_broadcast(store, [group], text=f"news {n}") for n in range(5)]
    async with sending(store, settings, group_limit=(2, timedelta(seconds=1))):
        for broadcast_id in ids:
            await settled(store, broadcast_id)
    assert received(fake)[group] == 5
    assert fake.max_group_sends_in_window(group, 0.95) <= 2


async def test_stopping_gives_back_unsent_rows_and_a_restart_finishes_them(
    store: Store, fake: FakeTelegram, database_url: str, content: Path
) -> None:
    settings = settings_for(fake, database_url, content, SEND_RATE="20")
    chats = list(range(1, 61))
    broadcast_id = await queue_broadcast(store, chats)
    async with sending(store, settings):
        await fake.wait_for(lambda: len(fake.sent) >= 10, 5)
    first = len(fake.sent)
    assert first < len(chats)
    progress = await store.broadcast_progress(broadcast_id)
    assert progress.sent == first  # every send recorded, nothing left claimed
    async with sending(store, settings):
        await settled(store, broadcast_id)
    assert received(fake) == Counter({chat: 1 for chat in chats})


async def test_paid_broadcast_sends_with_allow_paid_broadcast(
    store: Store, fake: FakeTelegram, database_url: str, content: Path
) -> None:
    settings = settings_for(fake, database_url, content, PAID_BROADCAST="true")
    broadcast_id = await queue_broadcast(store, [1, 2])
    async with sending(store, settings):
        await settled(store, broadcast_id)
    assert [m.params.get("allow_paid_broadcast") for m in fake.sent] == [True, True]


async def test_a_retry_cannot_revive_a_row_that_stop_killed_meanwhile(store: Store) -> None:
    broadcast_id = await queue_broadcast(store, [1])
    [job] = await store.claim_deliveries("me", 10, NOW, timedelta(seconds=30))
    await store.stop_chat(1, NOW)  # /stop while the send is in flight
    await store.record_outcomes([Retry(job.id, NOW, "timed out")], NOW, "me")
    progress = await store.broadcast_progress(broadcast_id)
    assert (progress.remaining, progress.blocked) == (0, 1)
    assert await store.claim_deliveries("me", 10, NOW, timedelta(seconds=30)) == []


async def test_only_the_holder_of_a_lease_records_a_retry(store: Store) -> None:
    broadcast_id = await queue_broadcast(store, [1])
    lease = timedelta(seconds=1)
    [stale] = await store.claim_deliveries("slow", 10, NOW, lease)
    [fresh] = await store.claim_deliveries("fast", 10, NOW + 2 * lease, lease)  # lease expired
    await store.record_outcomes([Sent(fresh.id, 42)], NOW, "fast")
    await store.record_outcomes([Retry(stale.id, NOW, "timed out")], NOW, "slow")
    assert (await store.broadcast_progress(broadcast_id)).sent == 1


@pytest.mark.parametrize("others", [[7], [-1000000000042]], ids=["new-id-unknown", "new-id-known"])
async def test_a_migrated_group_gets_the_message_once_at_its_new_id(
    store: Store, settings: Settings, fake: FakeTelegram, others: list[int]
) -> None:
    old, new = -42, -1000000000042
    await store.subscribe(old, "group", "Readers", "news", NOW)
    fake.migrated[old] = new
    # With the new id registered too, both ids have a row for the same broadcast.
    broadcast_id = await queue_broadcast(store, [old, *others])
    async with sending(store, settings):
        await settled(store, broadcast_id)
    assert received(fake) == Counter({new: 1, **{chat: 1 for chat in others}})
    assert [t.key for t in await store.subscriptions(new)] == ["news"]
    assert await store.chat_status(old) is None


async def test_the_limiter_survives_a_database_hiccup() -> None:
    calls = 0

    async def reserve(count: int, interval: float, now: float) -> float:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database restarting")
        return now

    async def pause(until: float) -> None:
        pass

    limiter = RateLimiter(100, reserve, pause)
    await asyncio.wait_for(limiter.acquire(), 5)
    await limiter.close()
