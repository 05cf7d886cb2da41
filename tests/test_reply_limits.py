"""Every reply, list, button and callback answer fits Telegram's limits, whatever the input.

The fake Bot API refuses what Telegram refuses (texts over 4,096, answers over 200 characters),
so a reply that does not fit fails these tests through the error it logs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.messaging.compose import NOTE_BUTTONS
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import ALICE, buttons, first_scan_done, say
from tests.support.fake_telegram import CALLBACK_ANSWER_LIMIT, FakeTelegram, SentMessage, utf16_len
from tests.support.posts import write_post

# 120 topics whose names together are far longer than one message.
MANY = [f"topic-number-{i:03d}-of-a-very-long-list-of-topics" for i in range(120)]
LABEL_LIMIT = 64  # newsbot's own bound for button labels
LONG = "Ünïcode 🗞️ " + "x" * 289  # a 300-character topic name
assert len(LONG) == 300


@pytest.fixture
async def topics(newsbot: BotFactory, content: Path, store: Store) -> None:
    """A site with 120 topics, and one with a 300-character name on two posts (listed first)."""
    tags = ", ".join(f'"{name}"' for name in [*MANY, LONG])
    write_post(content, "2025-01-01-everything.md", "Everything", tags=f"[{tags}]")
    write_post(content, "2025-01-02-long.md", "Long", tags=f'["{LONG}"]')
    await newsbot()
    await first_scan_done(store)


async def press(fake: FakeTelegram, message: SentMessage, data: str) -> str:
    """Press a button as ALICE and return the bot's answer."""
    before = len(fake.callback_answers)
    fake.press_button(message, data, user_id=ALICE)
    await fake.wait_for(lambda: len(fake.callback_answers) > before, 5)
    return str(fake.callback_answers[before].get("text", ""))


async def test_subscribe_with_2000_words_answers_in_one_message(
    topics: None, fake: FakeTelegram
) -> None:
    words = " ".join(f"word{i}" for i in range(2000))
    reply = await say(fake, f"/subscribe {words}", ALICE)
    assert reply.startswith("I don't know the topics <b>word0</b>, <b>word1</b>")
    assert "more. See /topics for all." in reply  # and the fake checked its length


async def test_120_topics_subscribed_listed_and_unsubscribed_within_limits(
    topics: None, fake: FakeTelegram, store: Store
) -> None:
    reply = await say(fake, "/subscribe " + ", ".join(MANY), ALICE)
    assert reply.startswith("Subscribed to <b>topic-number-000")
    assert "more. New posts on them will come here." in reply
    assert len(await store.subscriptions(ALICE)) == 120
    # Asked again: all of them are already followed, said in one message too.
    assert "… and" in await say(fake, "/subscribe " + ", ".join(MANY), ALICE)

    listed = await say(fake, "/subscriptions", ALICE)
    assert listed.startswith("This chat follows:\n• topic-number-000")
    assert "more\n\n/unsubscribe to stop one." in listed

    refused = await say(fake, "/unsubscribe " + "nothing " * 400, ALICE)
    assert "It follows <b>topic-number-000" in refused and "more." in refused

    await say(fake, "/unsubscribe", ALICE)
    keyboard = fake.messages_to(ALICE)[-1]
    assert keyboard.text is not None and "the first 30 of 120" in keyboard.text
    first = buttons(keyboard)
    assert len(first) == 30
    answer = await press(fake, keyboard, first[0]["callback_data"])
    assert answer.startswith("Unsubscribed")
    assert len(await store.subscriptions(ALICE)) == 119


async def test_a_300_character_topic_name_on_buttons_and_in_answers(
    topics: None, fake: FakeTelegram, store: Store
) -> None:
    await say(fake, "/subscribe", ALICE)
    keyboard = fake.messages_to(ALICE)[-1]
    labels = {b["text"]: b["callback_data"] for b in buttons(keyboard)}
    assert all(utf16_len(label) <= LABEL_LIMIT for label in labels)
    [long_label] = [label for label in labels if label.startswith("Ünïcode")]
    assert long_label.endswith("… (2)")

    answer = await press(fake, keyboard, labels[long_label])
    assert answer.startswith("Subscribed to Ünïcode 🗞️ xxx") and answer.endswith("…")
    assert utf16_len(answer) <= CALLBACK_ANSWER_LIMIT
    [followed] = await store.subscriptions(ALICE)
    assert followed.name == LONG[:200]

    await say(fake, "/unsubscribe", ALICE)
    keyboard = fake.messages_to(ALICE)[-1]
    [button] = buttons(keyboard)
    assert utf16_len(button["text"]) <= LABEL_LIMIT
    answer = await press(fake, keyboard, button["callback_data"])
    assert answer.startswith("Unsubscribed") and utf16_len(answer) <= CALLBACK_ANSWER_LIMIT
    assert await store.subscriptions(ALICE) == []


async def test_a_note_matching_120_followed_topics_has_a_bounded_keyboard(
    topics: None, fake: FakeTelegram, content: Path
) -> None:
    await say(fake, "/subscribe " + ", ".join(MANY), ALICE)
    tags = ", ".join(f'"{name}"' for name in MANY)
    write_post(content, "2025-01-03-again.md", "Again", tags=f"[{tags}]")
    await fake.wait_for(lambda: any("Again" in (m.text or "") for m in fake.messages_to(ALICE)), 10)
    [note] = [m for m in fake.messages_to(ALICE) if "Again" in (m.text or "")]
    labels = [button["text"] for button in buttons(note)]
    assert len(labels) == NOTE_BUTTONS  # not 120: Telegram refuses over 100 buttons
    assert labels[0].startswith("Unsubscribe from topic-number-000")
    assert all(len(label) <= LABEL_LIMIT for label in labels)
