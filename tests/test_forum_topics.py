"""Forum topics: a /subscribe sent inside a forum topic binds the subscription to that topic."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.domain.forums import GENERAL, thread_id
from bot.domain.refusals import topic_gone
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import ALICE, eventually, first_scan_done, say
from tests.support.fake_telegram import ApiError, FakeTelegram
from tests.support.posts import SEED, write_post

FORUM = -1000000000077


def test_only_a_forum_topic_is_a_thread() -> None:
    assert thread_id(True, True, 12) == 12
    assert thread_id(True, False, None) == GENERAL  # General
    assert thread_id(False, False, 12) == GENERAL  # a reply thread in a plain supergroup
    assert topic_gone("bad request: message thread not found")
    assert topic_gone("bad request: topic_deleted")
    assert not topic_gone("bad request: chat not found")


def test_the_fake_checks_threads_as_telegram_does(fake: FakeTelegram) -> None:
    fake.make_forum(FORUM)
    korea = fake.create_topic(FORUM, "Korea desk")
    assert fake.check_thread(FORUM, {"message_thread_id": korea}) == korea
    assert fake.check_thread(FORUM, {}) is None
    with pytest.raises(ApiError, match="message thread not found"):
        fake.check_thread(FORUM, {"message_thread_id": korea + 1})
    fake.delete_topic(FORUM, korea)
    with pytest.raises(ApiError, match="TOPIC_DELETED"):
        fake.check_thread(FORUM, {"message_thread_id": korea})
    message = fake.text_message("hi", chat_id=FORUM, user_id=ALICE, enqueue=False)
    assert message["message"]["chat"]["is_forum"] is True
    with pytest.raises(ValueError, match="no topic"):
        fake.text_message("hi", chat_id=FORUM, user_id=ALICE, thread_id=korea, enqueue=False)


def _notes(fake: FakeTelegram, thread: int | None) -> list[str]:
    return [
        (m.text or "")[3 : (m.text or "").index("</b>")]
        for m in fake.messages_in(FORUM, thread)
        if (m.text or "").startswith("<b>") and "</b>" in (m.text or "")
    ]


async def test_subscriptions_belong_to_the_forum_topic_they_were_made_in(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    fake.make_forum(FORUM, "Newsroom")
    fake.chat_members[(FORUM, ALICE)] = "administrator"
    korea = fake.create_topic(FORUM, "Korea desk")
    sport = fake.create_topic(FORUM, "Sport desk")
    shutil.copy(SEED, content / SEED.name)
    write_post(content, "2025-05-01-sport.md", "Old sport", categories="[Sport]")
    await newsbot()
    await first_scan_done(store)

    assert "Subscribed" in await say(fake, "/subscribe news", FORUM, user_id=ALICE, thread_id=korea)
    assert "Subscribed" in await say(
        fake, "/subscribe sport", FORUM, user_id=ALICE, thread_id=sport
    )
    assert "Subscribed" in await say(fake, "/subscribe news", FORUM, user_id=ALICE)  # General
    # Each reply went to the topic the command came from.
    assert [m.params.get("message_thread_id") for m in fake.messages_to(FORUM)] == [
        korea,
        sport,
        None,
    ]
    listed = await say(fake, "/subscriptions", FORUM, user_id=ALICE, thread_id=sport)
    assert "Sport" in listed and "News" not in listed
    assert (await store.subscriptions(FORUM, thread=korea))[0].key == "news"

    write_post(content, "2026-01-01-a.md", "Only news")
    write_post(content, "2026-01-02-b.md", "News and sport", categories="[News, Sport]")
    await fake.wait_for(lambda: len(_notes(fake, sport)) == 1, 10)
    await fake.wait_for(lambda: len(_notes(fake, korea)) == 2 and len(_notes(fake, None)) == 2, 10)
    assert (
        sorted(_notes(fake, korea)) == sorted(_notes(fake, None)) == ["News and sport", "Only news"]
    )
    assert _notes(fake, sport) == ["News and sport"]

    # A note's button acts on its own topic's subscriptions.
    note = next(m for m in fake.messages_in(FORUM, sport) if "News and sport" in (m.text or ""))
    assert note.reply_markup is not None
    [[button]] = note.reply_markup["inline_keyboard"]
    fake.press_button(note, button["callback_data"], user_id=ALICE)
    await fake.wait_for(lambda: fake.callback_answers, 5)
    assert await store.subscriptions(FORUM, thread=sport) == []
    assert [t.key for t in await store.subscriptions(FORUM, thread=korea)] == ["news"]


async def test_a_deleted_forum_topic_is_dropped_like_a_blocked_chat(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    fake.make_forum(FORUM, "Newsroom")
    fake.chat_members[(FORUM, ALICE)] = "administrator"
    korea = fake.create_topic(FORUM, "Korea desk")
    shutil.copy(SEED, content / SEED.name)
    await newsbot()
    await first_scan_done(store)
    await say(fake, "/subscribe news", FORUM, user_id=ALICE, thread_id=korea)
    await say(fake, "/subscribe news", FORUM, user_id=ALICE)
    fake.delete_topic(FORUM, korea)

    write_post(content, "2026-01-01-a.md", "After the topic went")

    async def topic_forgotten() -> bool:
        return await store.subscriptions(FORUM, thread=korea) == []

    await eventually(topic_forgotten)
    await fake.wait_for(lambda: _notes(fake, None) == ["After the topic went"], 10)
    assert [t.key for t in await store.subscriptions(FORUM)] == ["news"]
    assert await store.chat_status(FORUM) == "active"

    async def settled() -> bool:  # outcomes are written in batches, just after the sends
        return (await store.stats()).deliveries == {"sent": 1, "dead": 1}

    await eventually(settled)
