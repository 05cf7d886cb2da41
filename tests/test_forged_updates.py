"""Forged or odd button presses cost nothing: a quiet answer, no message, no error logged.

A modified client can send any callback data for a message that has buttons; the bot must
parse it totally (typed actions, ids within a BIGINT) on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.clock import ShiftedClock
from tests.support.conversation import GROUP, first_scan_done, say
from tests.support.fake_telegram import FakeTelegram, SentMessage
from tests.support.posts import SEED, write_post

ADMIN, MEMBER = 777, 2001
IN_GROUP = {"chat_type": "supergroup", "title": "Readers"}


@pytest.fixture
async def keyboard(newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram) -> None:
    """A running bot; the site's admin is an administrator of GROUP."""
    shutil.copy(SEED, content / SEED.name)
    await newsbot(ADMIN_IDS=str(ADMIN))
    await first_scan_done(store)
    fake.chat_members[GROUP, ADMIN] = "administrator"


async def test_forged_callback_data_gets_a_quiet_answer(
    keyboard: None, fake: FakeTelegram, store: Store
) -> None:
    # A real broadcast draft, previewed in the admin's private chat.
    await say(fake, "/broadcast Hello", ADMIN)
    preview = fake.messages_to(ADMIN)[-1]
    assert preview.reply_markup is not None
    real = preview.reply_markup["inline_keyboard"][0][0]["callback_data"]
    draft_id = real.partition(":")[2]
    # A message with buttons in the group, the target of the forged presses.
    await say(fake, "/subscribe", GROUP, user_id=ADMIN, **IN_GROUP)
    target = fake.messages_to(GROUP)[-1]
    sent_before = len(fake.sent)

    forged = [
        "bc-send:" + "9" * 30,  # beyond BIGINT
        f"bc-send:{2**63}",
        "bc-send:²",  # str.isdigit() says yes, int() raises
        "bc-cancel:٣",
        "bc-send:-1",
        "bc-send:0",
        "bc-send: 1",
        "bc-send:",
        f"bc-send:{draft_id}",  # a real draft, but its preview is in another chat
        f"bc-cancel:{draft_id}",
        "zap:1",
        "sub",
        "unsub:",
        "sub:nosuch",
        "unsub:news",  # the group follows nothing
        "sub:#" + "0" * 24,
        "sub:#not-a-digest",
        "unsub:\x00",
        "ü:ü",
    ]
    presses = 0
    for data in forged:
        for user in (ADMIN, MEMBER):
            fake.press_button(target, data, user_id=user, forged=True)
            presses += 1
            await fake.wait_for(lambda n=presses: len(fake.callback_answers) == n, 5, what=data)
    await fake.wait_idle()

    assert len(fake.sent) == sent_before, "a forged press made the bot post a message"
    assert not fake.edits
    assert (await store.subscriptions(GROUP)) == []
    assert (await store.stats()).deliveries == {}
    # The draft is still a draft: its own admin can still send it from where it was previewed.
    fake.press_button(preview, real, user_id=ADMIN)
    await fake.wait_for(lambda: last_answer(fake).startswith("Sending to"), 5)


def last_answer(fake: FakeTelegram) -> str:
    return str(fake.callback_answers[-1].get("text", "")) if fake.callback_answers else ""


async def test_a_press_too_old_to_answer_still_counts_and_logs_no_error(
    keyboard: None, fake: FakeTelegram, store: Store
) -> None:
    await say(fake, "/subscribe", MEMBER)
    keyboard_message = fake.messages_to(MEMBER)[-1]
    assert keyboard_message.reply_markup is not None
    data = keyboard_message.reply_markup["inline_keyboard"][0][0]["callback_data"]
    sent_before = len(fake.sent)
    # Pressed while the bot was down: Telegram refuses the answer ("query is too old").
    fake.press_button(keyboard_message, data, user_id=MEMBER, stale=True)
    await fake.wait_for(lambda: fake.edits, 5)  # the keyboard says what happened
    await fake.wait_idle()
    assert [t.key for t in await store.subscriptions(MEMBER)] == [data.partition(":")[2]]
    assert len(fake.sent) == sent_before, "nothing is posted about the stale answer"
    [refused] = [call for call in fake.rejected if call.method == "answerCallbackQuery"]
    fake.rejected.remove(refused)  # expected: Telegram refuses the late answer


async def test_buttons_on_messages_too_old_to_edit_still_work_without_an_error(
    keyboard: None, content: Path, fake: FakeTelegram, store: Store, clock: ShiftedClock
) -> None:
    """Telegram lets a bot edit a message for 48 hours: a note's unsubscribe button, pressed
    days later, unsubscribes all the same; so does its undo, and a /subscribe keyboard's."""
    await say(fake, "/subscribe news", MEMBER)
    write_post(content, "2026-02-01-talks.md", "Talks resume", tags="[news]")
    await fake.wait_for(lambda: "Talks resume" in (fake.messages_to(MEMBER)[-1].text or ""), 10)
    note = fake.messages_to(MEMBER)[-1]
    await say(fake, "/subscribe", MEMBER)
    listing = fake.messages_to(MEMBER)[-1]
    clock.advance(timedelta(days=3))

    async def press(message: SentMessage, data: str) -> str:
        before = len(fake.callback_answers)
        fake.press_button(message, data, user_id=MEMBER)
        await fake.wait_for(lambda: len(fake.callback_answers) > before, 5, what=data)
        return str(fake.callback_answers[before].get("text", ""))

    [[unsubscribe]] = note.reply_markup["inline_keyboard"]
    assert (await press(note, unsubscribe["callback_data"])).startswith("Unsubscribed")
    assert await store.subscriptions(MEMBER) == []
    subscribe = listing.reply_markup["inline_keyboard"][0][0]["callback_data"]
    assert (await press(listing, subscribe)).startswith("Subscribed")
    assert [t.key for t in await store.subscriptions(MEMBER)] == ["news"]
    await fake.wait_idle()


async def test_double_taps_on_subscribe_and_undo_buttons_log_no_error(
    keyboard: None, content: Path, fake: FakeTelegram, store: Store
) -> None:
    async def double_tap(message: SentMessage, data: str) -> None:
        before = len(fake.callback_answers)
        for _ in range(2):  # both presses reach the bot before it edits the button away
            fake.press_button(message, data, user_id=MEMBER)
        await fake.wait_for(lambda: len(fake.callback_answers) == before + 2, 5, what=data)
        await fake.wait_idle()

    await say(fake, "/subscribe", MEMBER)
    listing = fake.messages_to(MEMBER)[-1]
    await double_tap(listing, listing.reply_markup["inline_keyboard"][0][0]["callback_data"])
    assert [t.key for t in await store.subscriptions(MEMBER)] == ["news"]

    write_post(content, "2026-02-01-talks.md", "Talks resume", tags="[news]")
    await fake.wait_for(lambda: "Talks resume" in (fake.messages_to(MEMBER)[-1].text or ""), 10)
    note = fake.messages_to(MEMBER)[-1]
    [[unsubscribe]] = note.reply_markup["inline_keyboard"]
    await double_tap(note, unsubscribe["callback_data"])
    assert await store.subscriptions(MEMBER) == []
    [[undo]] = fake.message(MEMBER, note.message_id)["reply_markup"]["inline_keyboard"]
    await double_tap(note, undo["callback_data"])
    assert [t.key for t in await store.subscriptions(MEMBER)] == ["news"]
    # The second presses' edits show what is shown: Telegram says so, and the bot takes it.
    fake.rejected[:] = [c for c in fake.rejected if "not modified" not in (c.description or "")]
