"""ERROR_CHAT: errors worth a human also go to a chat, at most one per kind per 10 minutes."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.alerts import AlertKind, AlertThrottle, alert_text
from bot.domain.replies import visible_length
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.clock import ShiftedClock
from tests.support.conversation import ALICE, GROUP, eventually, first_scan_done, say
from tests.support.fake_telegram import TEXT_LIMIT, FakeTelegram
from tests.support.posts import SEED, write_post

ERROR_CHAT = -1009999999999
TOKEN_PART = "TEST-token"


def alerts(fake: FakeTelegram) -> list[str]:
    return [m.text or "" for m in fake.messages_to(ERROR_CHAT)]


async def test_malformed_posts_alert_once_per_ten_minutes_of_the_clock(
    newsbot: BotFactory, fake: FakeTelegram, store: Store, content: Path, clock: ShiftedClock
) -> None:
    shutil.copy(SEED, content / SEED.name)
    await newsbot(ERROR_CHAT=str(ERROR_CHAT))
    await first_scan_done(store)
    (content / "2026-01-01-broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n")
    await fake.wait_for(lambda: alerts(fake), 10)
    [first] = alerts(fake)
    assert first.startswith("⚠️ <b>A post is malformed and was skipped</b>")
    assert "2026-01-01-broken.md" in first

    (content / "2026-01-02-broken-too.md").write_text("---\ntitle: [unclosed\n---\nbody\n")
    clock.advance(timedelta(minutes=9))
    await asyncio.sleep(1.5)  # several scans
    assert len(alerts(fake)) == 1  # the same kind within 10 minutes: the log only

    clock.advance(timedelta(minutes=2))
    (content / "2026-01-03-broken-again.md").write_text("---\ntitle: [x\n---\n")
    await fake.wait_for(lambda: len(alerts(fake)) == 2, 10)
    assert "2026-01-03-broken-again.md" in alerts(fake)[1]


async def test_a_group_that_removed_the_bot_is_reported(
    newsbot: BotFactory, fake: FakeTelegram, store: Store, content: Path
) -> None:
    shutil.copy(SEED, content / SEED.name)
    await newsbot(ERROR_CHAT=str(ERROR_CHAT))
    await first_scan_done(store)
    fake.chat_members[(GROUP, ALICE)] = "administrator"
    reply = await say(fake, "/subscribe news", GROUP, user_id=ALICE, chat_type="supergroup")
    assert "Subscribed" in reply
    fake.kicked.add(GROUP)
    write_post(content, "2026-01-02-news.md", "News")
    await fake.wait_for(lambda: alerts(fake), 10)
    [alert] = alerts(fake)
    assert "took the bot&#x27;s rights away" in alert and str(GROUP) in alert


@pytest.mark.allow_errors
async def test_a_note_telegram_refuses_is_reported_and_no_secret_goes_out(
    newsbot: BotFactory, fake: FakeTelegram, store: Store, content: Path
) -> None:
    shutil.copy(SEED, content / SEED.name)
    await newsbot(ERROR_CHAT=str(ERROR_CHAT), MAX_ATTEMPTS="1")
    await first_scan_done(store)
    await say(fake, "/subscribe news", 1001)
    fake.error_rate = 1.0  # every call a 502: one attempt allowed, then the row fails
    write_post(content, "2026-01-02-fails.md", "Fails")

    async def failed() -> bool:
        return (await store.stats()).deliveries.get("failed", 0) == 1

    await eventually(failed)
    fake.error_rate = 0.0  # the alert itself may go now
    await fake.wait_for(lambda: alerts(fake), 10)
    [alert] = alerts(fake)
    assert alert.startswith("⚠️ <b>A notification could not be delivered</b>")
    assert "giving up on delivery" in alert and TOKEN_PART not in alert


def test_the_throttle_lets_one_per_kind_through_per_interval() -> None:
    throttle = AlertThrottle()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert throttle.allow("a", start)
    assert not throttle.allow("a", start + timedelta(minutes=9, seconds=59))
    assert throttle.allow("b", start + timedelta(minutes=1))  # another kind
    assert throttle.allow("a", start + timedelta(minutes=10))
    assert not throttle.allow("a", start + timedelta(minutes=15))


def test_the_alert_fits_telegram_and_escapes_the_log_line() -> None:
    text = alert_text(AlertKind.MALFORMED_POST, "<b>" + "x" * 10_000)
    assert len(text) <= TEXT_LIMIT
    assert "&lt;b&gt;" in text and text.count("<b>") == 1
    assert alert_text("something_else", "m").startswith("⚠️ <b>something_else</b>")
    # Telegram counts UTF-16 units: 3,000 emoji are 6,000 of them.
    emoji = alert_text(AlertKind.MALFORMED_POST, "🗞️" * 3000 + "&" * 3000)
    assert visible_length(emoji) <= TEXT_LIMIT
