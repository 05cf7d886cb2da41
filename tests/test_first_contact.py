"""First contact: deep links greet and subscribe in one message, groups get a welcome, stray
text gets a hint, and "did you mean" suggestions are buttons."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.domain.contact_texts import unknown_command
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import ALICE, BOB, GROUP, buttons, first_scan_done, say, titles
from tests.support.fake_telegram import FakeTelegram, SentMessage
from tests.support.posts import SEED, write_post


def test_an_unknown_command_is_repeated_escaped_and_short() -> None:
    assert unknown_command("/frob <x>") == (
        "I don't know the command /frob. /help lists what I can do."
    )
    assert len(unknown_command("/" + "<" * 5000)) < 400


@pytest.fixture
async def running(newsbot: BotFactory, content: Path, store: Store) -> None:
    shutil.copy(SEED, content / SEED.name)
    await newsbot()
    await first_scan_done(store)


@pytest.mark.usefixtures("running")
async def test_a_deep_link_greets_and_subscribes_in_one_message(
    fake: FakeTelegram, store: Store
) -> None:
    reply = await say(fake, "/start news", ALICE)
    assert reply.startswith("Hi! I send a short note")
    assert "Subscribed to <b>News</b>" in reply
    assert len(fake.messages_to(ALICE)) == 1
    assert [t.key for t in await store.subscriptions(ALICE)] == ["news"]


@pytest.mark.usefixtures("running")
async def test_an_unknown_topic_gets_the_closest_as_buttons(
    fake: FakeTelegram, store: Store
) -> None:
    reply = await say(fake, "/start nwes", BOB)
    assert reply.startswith("Hi!") and "I don't know the topic <b>nwes</b>" in reply
    offer = fake.messages_to(BOB)[-1]
    [news] = [b for b in buttons(offer) if b["text"].startswith("News (")]
    fake.press_button(offer, news["callback_data"], user_id=BOB)
    await fake.wait_for(lambda: fake.callback_answers, 5)
    assert [t.key for t in await store.subscriptions(BOB)] == ["news"]
    # The same for /subscribe: "did you mean" is a button.
    await say(fake, "/subscribe nesw", ALICE)
    assert any(b["text"].startswith("News (") for b in buttons(fake.messages_to(ALICE)[-1]))


@pytest.mark.usefixtures("running")
async def test_a_group_that_adds_the_bot_gets_a_welcome(fake: FakeTelegram) -> None:
    fake.my_chat_member(GROUP, "member", chat_type="supergroup", title="Readers")
    await fake.wait_for(lambda: fake.messages_to(GROUP), 5)
    [welcome] = fake.messages_to(GROUP)
    assert welcome.text is not None and "administrators pick topics" in welcome.text


@pytest.mark.usefixtures("running")
async def test_stray_text_in_a_private_chat_gets_a_hint(fake: FakeTelegram) -> None:
    fake.text_message("hello?", chat_id=ALICE)
    await fake.wait_for(lambda: fake.messages_to(ALICE), 5)
    assert "I only understand commands" in (fake.messages_to(ALICE)[0].text or "")
    assert "I don't know the command /frobnicate" in await say(fake, "/frobnicate now", ALICE)
    assert "Subscribed" in await say(fake, "/subscribe news", ALICE)  # commands still work
    fake.text_message("hello, group", chat_id=GROUP, chat_type="supergroup")
    fake.command("/frobnicate", chat_id=GROUP, chat_type="supergroup")
    await say(fake, "/help", BOB)  # the group's messages were handled before this one
    assert fake.messages_to(GROUP) == []


@pytest.mark.usefixtures("running")
async def test_buttons_show_what_happened(fake: FakeTelegram, store: Store, content: Path) -> None:
    await say(fake, "/subscribe news", ALICE)
    write_post(content, "2026-01-01-a.md", "A note", tags="[Korea]")
    await fake.wait_for(lambda: titles(fake, ALICE) == ["A note"], 10)
    note = next(m for m in fake.messages_to(ALICE) if "A note" in (m.text or ""))
    [leave] = buttons(note)
    fake.press_button(note, leave["callback_data"], user_id=ALICE)
    await fake.wait_for(lambda: _keyboard(fake, note) != [leave["callback_data"]], 5)
    [undo] = fake.message(ALICE, note.message_id)["reply_markup"]["inline_keyboard"][0]  # type: ignore[index]
    assert undo["text"] == "Undo: follow News again"
    assert await store.subscriptions(ALICE) == []

    fake.press_button(note, undo["callback_data"], user_id=ALICE)
    await fake.wait_for(lambda: _keyboard(fake, note) == [leave["callback_data"]], 5)
    assert [t.key for t in await store.subscriptions(ALICE)] == ["news"]

    # The /unsubscribe keyboard drops the topic just left.
    await say(fake, "/subscribe korea", ALICE)
    await say(fake, "/unsubscribe", ALICE)
    picker = fake.messages_to(ALICE)[-1]
    korea = next(b for b in buttons(picker) if b["text"] == "Korea")
    fake.press_button(picker, korea["callback_data"], user_id=ALICE)
    await fake.wait_for(lambda: len(_keyboard(fake, picker)) == 1, 5)
    assert [t.key for t in await store.subscriptions(ALICE)] == ["news"]


def _keyboard(fake: FakeTelegram, sent: SentMessage) -> list[str]:
    current = fake.message(sent.chat_id, sent.message_id) or {}
    rows = current.get("reply_markup", {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]
