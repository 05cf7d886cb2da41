"""Digests end to end: held when announced, one message at the chosen local time, exactly
once per period, through the fake Bot API on SQLite and PostgreSQL, the clock moved by hand."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.breaking import Priority
from bot.domain.posts import parse_post
from bot.domain.scans import FileSeen
from bot.domain.schedule_commands import parse_quiet
from bot.domain.schedules import DigestMode, DigestSchedule, next_digest
from storage import catalogue, outbox
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.clock import ShiftedClock
from tests.support.conversation import ALICE, BOB, first_scan_done, say, titles
from tests.support.fake_telegram import FakeTelegram
from tests.support.held import summaries, waiting
from tests.support.outbox import all_recorded
from tests.support.posts import SEED, write_post

BERLIN = ZoneInfo("Europe/Berlin")
LEASE = timedelta(seconds=30)


def digests_to(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m.text or "" for m in fake.messages_to(chat_id) if "Your digest" in (m.text or "")]


async def test_a_digest_chat_gets_one_message_at_its_local_time_and_nothing_when_none(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram, clock: ShiftedClock
) -> None:
    shutil.copy(SEED, content / SEED.name)
    await newsbot()
    await first_scan_done(store)
    await say(fake, "/subscribe news", ALICE)
    await say(fake, "/subscribe news", BOB)
    assert "Europe/Berlin" in await say(fake, "/timezone europe/berlin", ALICE)
    reply = await say(fake, "/digest daily 08:00", ALICE)
    assert "a daily digest at 08:00 (Europe/Berlin)" in reply

    write_post(content, "2026-01-02-first.md", "First & best")
    write_post(content, "2026-01-03-second.md", "Second", tags="[Korea]")
    await fake.wait_for(lambda: len(titles(fake, BOB)) == 2, 10)
    assert await waiting(store, ALICE) == 2
    assert titles(fake, ALICE) == []  # no instant notes for a digest chat

    due = next_digest(DigestSchedule(DigestMode.DAILY, time(8, 0)), BERLIN, clock.now())
    assert due is not None
    await all_recorded(store)  # a jump of hours expires the leases of unrecorded sends
    clock.jump_to(due - timedelta(minutes=1))
    await asyncio.sleep(2.5)  # a release job ran: not yet
    assert digests_to(fake, ALICE) == []
    clock.jump_to(due)
    await fake.wait_for(lambda: digests_to(fake, ALICE), 10)
    [digest] = digests_to(fake, ALICE)
    assert digest.startswith("<b>Your digest: 2 new posts</b>")
    assert '<a href="https://news.example/news/' in digest
    assert '/first.html">First &amp; best</a> · News\n' in digest
    assert "Second</a> · News" in digest
    assert await waiting(store, ALICE) == 0

    # The next day: nothing matched, nothing is sent.
    await all_recorded(store)  # else the digest, sent but not yet recorded, would go again
    clock.jump_to(due + timedelta(days=1, seconds=1))
    await asyncio.sleep(2.5)
    assert len(digests_to(fake, ALICE)) == 1
    assert await summaries(store) == [(ALICE, "digest")]

    # Back to instant: the next post comes at once.
    assert "as soon as it is published" in await say(fake, "/digest off", ALICE)
    write_post(content, "2026-01-04-third.md", "Third")
    await fake.wait_for(lambda: "Third" in titles(fake, ALICE), 10)


async def test_a_digest_survives_a_restart_and_goes_once(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram, clock: ShiftedClock
) -> None:
    shutil.copy(SEED, content / SEED.name)
    bot = await newsbot()
    await first_scan_done(store)
    await say(fake, "/subscribe news", ALICE)
    await say(fake, "/digest weekly fri 18:30", ALICE)
    write_post(content, "2026-01-02-first.md", "First")

    async def held() -> bool:
        return await waiting(store, ALICE) == 1

    for _ in range(100):
        if await held():
            break
        await asyncio.sleep(0.1)
    assert await held()
    await bot.shutdown()
    due = next_digest(DigestSchedule(DigestMode.WEEKLY, time(18, 30), 4), UTC, clock.now())
    assert due is not None and due.astimezone(UTC).weekday() == 4
    clock.jump_to(due + timedelta(hours=3))  # the bot was down at digest time
    await bot.start()
    await fake.wait_for(lambda: digests_to(fake, ALICE), 15)
    await asyncio.sleep(2.5)
    assert len(digests_to(fake, ALICE)) == 1


def _seen(path: str) -> FileSeen:
    return FileSeen(path, 1, 1, parse_post(f"---\ntitle: {path}\ncategories: [News]\n---\n", path))


async def test_two_releases_at_once_queue_each_digest_once(store: Store) -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    await store.apply_scan([], [], now)  # the first scan: what follows is news
    chats = list(range(1, 51))
    schedule = DigestSchedule(DigestMode.DAILY, time(13, 0))
    for chat_id in chats:
        await store.subscribe(chat_id, "private", "", "news", now)
        await store.change_chat_settings(chat_id, "private", "", schedule, now, UTC)
    await store.apply_scan([_seen("2026-03-01-a.md"), _seen("2026-03-01-b.md")], [], now)
    assert await store.pending_count() == 0

    other = Store.open(str(store.engine.url.render_as_string(hide_password=False)))
    try:
        at = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
        counts = await asyncio.gather(
            store.release_held(at, UTC), other.release_held(at, UTC), store.release_held(at, UTC)
        )
        assert sum(counts) == len(chats)
        assert await other.release_held(at + timedelta(minutes=1), UTC) == 0
    finally:
        await other.close()
    assert sorted(await summaries(store)) == [(chat_id, "digest") for chat_id in chats]
    jobs = await store.claim_deliveries("me", 100, at, timedelta(seconds=30))
    assert len(jobs) == len(chats)
    assert all(len(job.items) == 2 for job in jobs)
    # The next day's digest, nothing new: nothing queued.
    assert await store.release_held(at + timedelta(days=1), UTC) == 0


async def test_breaking_news_is_never_held_and_goes_silently_in_quiet_hours(store: Store) -> None:
    """Breaking news (Priority.BREAKING) is held for no chat: digest chats get it at once too."""
    now = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    await store.apply_scan([], [], now)
    night = parse_quiet("22:00-07:00")
    assert night is not None
    await store.subscribe(1, "private", "", "news", now)
    await store.change_chat_settings(1, "private", "", night, now, UTC)
    await store.subscribe(2, "private", "", "news", now)
    await store.change_chat_settings(
        2, "private", "", DigestSchedule(DigestMode.DAILY, time(8)), now, UTC
    )
    await store.subscribe(3, "private", "", "news", now)
    files = [_seen("2026-03-01-breaking.md")]
    async with AsyncSession(store.engine) as session, session.begin():
        await catalogue.record_files(session, files, [], now, False, "https://news.example")
        [post] = await catalogue.due_posts(session, now)
        assert await outbox.queue_post(session, post.id, now, Priority.BREAKING) == 3
    assert await waiting(store, 1) == await waiting(store, 2) == 0
    jobs = {job.chat_id: job for job in await store.claim_deliveries("me", 10, now, LEASE)}
    assert sorted(jobs) == [1, 2, 3]
    assert [jobs[chat].silent for chat in (1, 2, 3)] == [True, False, False]
