"""Forged or odd button presses cost nothing: a quiet answer, no message, no error logged.

A modified client can send any callback data for a message that has buttons; the bot must
parse it totally (typed actions, ids within a BIGINT) on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import GROUP, first_scan_done, say
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED

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
