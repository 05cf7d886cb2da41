"""Broadcasts with a photo, scheduled ones (/scheduled, started once when due, time moved by
the clock fixture), and the test send ("Send to me first")."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.commands import parse_broadcast
from bot.domain.scheduling import send_time
from bot.messaging.compose import broadcast_photo
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.clock import ShiftedClock
from tests.support.conversation import buttons, first_scan_done, say
from tests.support.fake_telegram import FakeTelegram
from tests.support.outbox import NOW
from tests.support.posts import SEED

ADMIN = 777
READERS = [2001, 2002]
PHOTO = "AgACAgQAAxkBAAIBQ2bX7photo"


@pytest.fixture
async def readers(newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram) -> None:
    shutil.copy(SEED, content / SEED.name)
    await newsbot(ADMIN_IDS=str(ADMIN), TIMEZONE="Europe/Berlin")
    await first_scan_done(store)
    for chat in READERS:
        await say(fake, "/start", chat)


def to_readers(fake: FakeTelegram) -> list[tuple[int, str | None, str | None]]:
    return [(m.chat_id, m.photo, m.text) for m in fake.sent if m.chat_id in READERS[:2]][2:]


def test_the_time_and_its_zone() -> None:
    args = parse_broadcast("/broadcast at 2026-12-24 18:00 #News Merry Christmas")
    assert (args.at, args.topic, args.text) == ("2026-12-24 18:00", "News", "Merry Christmas")
    assert parse_broadcast("/broadcast at noon Hi").at is None
    berlin = ZoneInfo("Europe/Berlin")
    assert send_time("2026-12-24 18:00", berlin) == datetime(2026, 12, 24, 17, tzinfo=UTC)
    assert send_time("2026-02-30 18:00", berlin) is None
    assert broadcast_photo(PHOTO) == PHOTO and broadcast_photo("https://x.example/a.jpg")
    for bad in ("/etc/passwd", "file:///etc/passwd", "pyproject.toml", "a b"):
        assert broadcast_photo(bad) is None


async def test_a_photo_broadcast_previews_and_goes_as_that_photo(
    readers: None, fake: FakeTelegram
) -> None:
    before = len(fake.messages_to(ADMIN))
    fake.photo_message("/broadcast Roads <closed>", chat_id=ADMIN, file_id=PHOTO)
    await fake.wait_for(lambda: len(fake.messages_to(ADMIN)) > before, 10)
    preview = fake.messages_to(ADMIN)[-1]
    assert preview.method == "sendPhoto" and preview.photo == f"{PHOTO}800"
    assert (preview.text or "").startswith("📢 Roads &lt;closed&gt;\n\n<i>Preview")
    send, cancel, test = buttons(preview)
    assert test["text"] == "Send to me first"
    fake.press_button(preview, test["callback_data"], user_id=ADMIN)
    await fake.wait_for(lambda: len(fake.messages_to(ADMIN)) > before + 1, 10)
    assert fake.messages_to(ADMIN)[-1].text == "📢 Roads &lt;closed&gt;"
    assert fake.messages_to(ADMIN)[-1].photo == f"{PHOTO}800"
    assert to_readers(fake) == []  # the test went to the admin alone
    fake.press_button(preview, send["callback_data"], user_id=ADMIN)
    await fake.wait_for(lambda: len(to_readers(fake)) == 2, 10)
    assert {(p, t) for _, p, t in to_readers(fake)} == {(f"{PHOTO}800", "📢 Roads &lt;closed&gt;")}
    await fake.wait_for(
        lambda: "Done in" in (fake.message(ADMIN, preview.message_id) or {}).get("caption", ""), 10
    )


async def test_a_photo_caption_too_long_is_refused(readers: None, fake: FakeTelegram) -> None:
    before = len(fake.messages_to(ADMIN))
    fake.photo_message("/broadcast " + "x" * 900, chat_id=ADMIN)
    await fake.wait_for(lambda: len(fake.messages_to(ADMIN)) > before, 10)
    assert "at most 800" in (fake.messages_to(ADMIN)[-1].text or "")


async def test_a_scheduled_broadcast_waits_for_its_time_then_goes_once(
    readers: None, fake: FakeTelegram, store: Store, clock: ShiftedClock
) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    when = (clock.now() + timedelta(hours=2)).astimezone(berlin).replace(second=0, microsecond=0)
    reply = await say(fake, f"/broadcast at {when:%Y-%m-%d %H:%M} #News Later today", ADMIN)
    assert f"Send makes it wait until {when:%Y-%m-%d %H:%M} Europe/Berlin" in reply
    preview = fake.messages_to(ADMIN)[-1]
    fake.press_button(preview, buttons(preview)[0]["callback_data"], user_id=ADMIN)
    await fake.wait_for(
        lambda: "Scheduled for" in (fake.edits[-1].text or "" if fake.edits else "")
    )
    listing = await say(fake, "/scheduled", ADMIN)
    assert "1. " in listing and "Later today" in listing
    await say(fake, "/subscribe news", READERS[0])
    await asyncio.sleep(1.5)  # two looks of the due job: not yet
    assert [t for _, _, t in to_readers(fake) if t and "Later" in t] == []
    clock.jump_to(when + timedelta(seconds=1))
    await fake.wait_for(lambda: any("Later" in (t or "") for _, _, t in to_readers(fake)), 5)
    await fake.wait_for(
        lambda: "Done in" in (fake.message(ADMIN, preview.message_id) or {}).get("text", ""), 10
    )
    [started] = await store.recent_broadcasts(1)
    assert [c for c, _, t in to_readers(fake) if "Later" in (t or "")] == [READERS[0]]
    assert started.state == "done" and await store.scheduled_broadcasts() == []


async def test_scheduled_broadcasts_are_cancelled_from_the_list(
    readers: None, fake: FakeTelegram, store: Store, clock: ShiftedClock
) -> None:
    when = clock.now().astimezone(ZoneInfo("Europe/Berlin")) + timedelta(days=1)
    for text in ("First", "Second"):
        await say(fake, f"/broadcast at {when:%Y-%m-%d %H:%M} {text}", ADMIN)
        preview = fake.messages_to(ADMIN)[-1]
        fake.press_button(preview, buttons(preview)[0]["callback_data"], user_id=ADMIN)
        await fake.wait_for(
            lambda p=preview: (
                "Scheduled for" in ((fake.message(ADMIN, p.message_id) or {}).get("text", ""))
            )
        )
    await say(fake, "/scheduled", ADMIN)
    listing = fake.messages_to(ADMIN)[-1]
    first, second = buttons(listing)
    assert first["text"].startswith("Cancel 1 (")
    fake.press_button(listing, first["callback_data"], user_id=ADMIN)
    await fake.wait_for(
        lambda: "First" not in ((fake.message(ADMIN, listing.message_id) or {}).get("text", ""))
    )
    assert [b.html for b in await store.scheduled_broadcasts()] == ["📢 Second"]
    clock.advance(timedelta(days=2))
    await fake.wait_for(lambda: any("Second" in (t or "") for _, _, t in to_readers(fake)), 5)
    assert not any("First" in (t or "") for _, _, t in to_readers(fake))


async def test_bad_times_get_a_clear_answer(readers: None, fake: FakeTelegram) -> None:
    assert "has passed" in await say(fake, "/broadcast at 2020-01-01 10:00 Old news", ADMIN)
    assert "more than a year" in await say(fake, "/broadcast at 2099-01-01 10:00 Far", ADMIN)
    assert "I can't read that time" in await say(fake, "/broadcast at 2026-13-01 10:00 X", ADMIN)


async def test_a_due_broadcast_starts_once_however_many_look(store: Store) -> None:
    for chat in READERS:
        await store.register_chat(chat, "private", "", NOW)
    draft = await store.create_broadcast("📢 Hi", None, ADMIN, None, NOW, send_at=NOW)
    assert await store.schedule_broadcast(draft)
    assert not await store.schedule_broadcast(draft)
    assert await store.start_due_broadcasts(NOW - timedelta(seconds=1)) == []
    results = await asyncio.gather(*(store.start_due_broadcasts(NOW) for _ in range(4)))
    assert sorted(r for found in results for r in found) == [(draft, 2)]
    assert (await store.broadcast_progress(draft)).remaining == 2
    assert not await store.unschedule_broadcast(draft)
