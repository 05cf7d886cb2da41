"""End to end: posts written to a folder, users talking through getUpdates, messages counted.

Every test runs `newsbot run` against the fake Bot API over HTTP, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import (
    ALICE,
    BOB,
    CAROL,
    GROUP,
    eventually,
    first_scan_done,
    say,
    titles,
)
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED, write_post


@pytest.fixture
async def started(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> BotFactory:
    """The seed post is already on the site when the bot first starts."""
    shutil.copy(SEED, content / SEED.name)
    bot = await newsbot()
    await first_scan_done(store)
    return lambda: bot  # type: ignore[return-value]


async def test_first_start_announces_nothing_then_a_new_post_reaches_subscribers(
    started: BotFactory, content: Path, fake: FakeTelegram
) -> None:
    reply = await say(fake, "/subscribe news", ALICE)
    assert "Subscribed to <b>News</b>" in reply
    await say(fake, "/start", BOB)  # registered, follows nothing
    await asyncio.sleep(0.5)
    assert titles(fake, ALICE) == []  # the seed post was there before: history, not news

    when = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    write_post(content, "2026-01-02-bridge-opens.md", "Bridge opens <today> & more", date=when)
    await fake.wait_for(lambda: titles(fake, ALICE), 5)
    await asyncio.sleep(0.5)
    [message] = [m for m in fake.messages_to(ALICE) if (m.text or "").startswith("<b>")]
    assert message.text is not None
    assert message.text.startswith("<b>Bridge opens &lt;today&gt; &amp; more</b>")
    assert 'href="https://news.example/news/2026/01/02/bridge-opens.html"' in message.text
    assert message.parse_mode == "HTML"
    assert message.reply_markup is not None
    [[button]] = message.reply_markup["inline_keyboard"]
    assert button["text"] == "Unsubscribe from News"
    assert titles(fake, BOB) == []


async def test_one_message_per_chat_when_several_topics_match(
    started: BotFactory, content: Path, fake: FakeTelegram
) -> None:
    await say(fake, "/subscribe news", ALICE)
    write_post(content, "2026-01-01-tagged.md", "Tagged", tags="[Korea]")
    await eventually(_topic_known(fake, "korea"))
    await say(fake, "/subscribe #KOREA", ALICE)
    write_post(content, "2026-01-03-both.md", "Both topics", tags="[Korea]")
    await fake.wait_for(lambda: "Both topics" in titles(fake, ALICE), 5)
    await asyncio.sleep(0.5)
    assert titles(fake, ALICE).count("Both topics") == 1
    both = [m for m in fake.messages_to(ALICE) if "Both topics" in (m.text or "")][0]
    assert both.reply_markup is not None
    assert len(both.reply_markup["inline_keyboard"]) == 2  # a button per matching topic


def _topic_known(fake: FakeTelegram, key: str):  # type: ignore[no-untyped-def]
    async def topic_listed() -> bool:
        return key in (await say(fake, "/topics", CAROL)).lower()

    return topic_listed


async def test_future_post_waits_for_its_date_and_drafts_wait_for_publishing(
    started: BotFactory, content: Path, fake: FakeTelegram
) -> None:
    await say(fake, "/subscribe news", ALICE)
    soon = datetime.now(UTC) + timedelta(seconds=3)
    write_post(content, "2099-01-01-soon.md", "Soon", date=soon)
    draft = write_post(content, "2026-01-05-draft.md", "Draft", extra="published: false\n")
    await asyncio.sleep(1.0)
    assert titles(fake, ALICE) == []
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Soon"], 8)

    write_post(content, draft.name, "Draft", extra="published: true\n")
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Soon", "Draft"], 5)


async def test_edits_and_restarts_never_announce_again_but_posts_added_while_down_are_sent(
    started: BotFactory, content: Path, fake: FakeTelegram
) -> None:
    bot = started()  # type: ignore[call-arg]
    await say(fake, "/subscribe news", ALICE)
    post = write_post(content, "2026-01-06-once.md", "Once")
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Once"], 5)

    write_post(content, post.name, "Once, corrected", body="Now with a fix.")
    await asyncio.sleep(1.0)
    await bot.shutdown()  # type: ignore[attr-defined]
    write_post(content, "2026-01-07-while-down.md", "While down")
    await bot.start()  # type: ignore[attr-defined]
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Once", "While down"], 10)
    await asyncio.sleep(1.0)
    assert titles(fake, ALICE) == ["Once", "While down"]


async def test_unsubscribe_by_command_and_by_button(
    started: BotFactory, content: Path, fake: FakeTelegram
) -> None:
    await say(fake, "/subscribe news", ALICE)
    await say(fake, "/subscribe news", BOB)
    write_post(content, "2026-01-08-first.md", "First")
    await fake.wait_for(lambda: titles(fake, ALICE) and titles(fake, BOB), 5)

    assert "Unsubscribed from <b>News</b>" in await say(fake, "/unsubscribe News", ALICE)
    note = next(m for m in fake.messages_to(BOB) if (m.text or "").startswith("<b>First"))
    assert note.reply_markup is not None
    data = note.reply_markup["inline_keyboard"][0][0]["callback_data"]
    fake.press_button(note, data, user_id=BOB)
    await fake.wait_for(lambda: any(c.method == "answerCallbackQuery" for c in fake.calls), 5)
    assert "follows no topic" in await say(fake, "/subscriptions", BOB)

    write_post(content, "2026-01-09-second.md", "Second")
    await asyncio.sleep(1.5)
    assert titles(fake, ALICE) == ["First"]
    assert titles(fake, BOB) == ["First"]


async def test_stop_silences_the_chat_until_start(
    started: BotFactory, content: Path, fake: FakeTelegram
) -> None:
    await say(fake, "/subscribe news", ALICE)
    reply = await say(fake, "/stop", ALICE)
    assert "stopped all messages" in reply
    write_post(content, "2026-01-10-after-stop.md", "After stop")
    await asyncio.sleep(1.0)
    assert titles(fake, ALICE) == []
    await say(fake, "/start news", ALICE)  # the deep link from the site
    write_post(content, "2026-01-11-back.md", "Back")
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Back"], 5)


async def test_groups_only_administrators_change_subscriptions(
    started: BotFactory, content: Path, fake: FakeTelegram
) -> None:
    fake.chat_members[(GROUP, ALICE)] = "administrator"
    group = {"chat_type": "supergroup", "title": "Readers"}
    refused = await say(fake, "/subscribe news", GROUP, user_id=BOB, **group)
    assert "administrators" in refused
    accepted = await say(fake, "/subscribe@newsbot_test_bot news", GROUP, user_id=ALICE, **group)
    assert "Subscribed" in accepted
    write_post(content, "2026-01-12-group.md", "For the group")
    await fake.wait_for(lambda: titles(fake, GROUP) == ["For the group"], 5)

    note = next(m for m in fake.messages_to(GROUP) if (m.text or "").startswith("<b>"))
    assert note.reply_markup is not None
    data = note.reply_markup["inline_keyboard"][0][0]["callback_data"]
    fake.press_button(note, data, user_id=BOB)  # not an admin: the button does nothing
    await fake.wait_for(lambda: any(c.method == "answerCallbackQuery" for c in fake.calls), 5)
    assert "News" in await say(fake, "/subscriptions", GROUP, user_id=BOB, **group)


async def test_conversation_replies(started: BotFactory, fake: FakeTelegram) -> None:
    assert "/subscribe" in await say(fake, "/start", ALICE)
    help_text = await say(fake, "/help", ALICE)
    for command in ("start", "subscribe", "unsubscribe", "subscriptions", "topics", "stop", "help"):
        assert f"/{command}" in help_text
    assert "/broadcast" not in help_text  # admin commands are not shown to others
    assert "News (1)" in await say(fake, "/topics", ALICE)
    unknown = await say(fake, "/subscribe newz", ALICE)
    assert "I don't know the topic <b>newz</b>" in unknown
    assert "<b>News</b>" in unknown  # the closest known topic
    assert "follows no topic" in await say(fake, "/subscriptions", ALICE)

    fake.command("/subscribe", chat_id=ALICE)
    await fake.wait_for(lambda: any(m.reply_markup for m in fake.messages_to(ALICE)), 5)
    keyboard = [m for m in fake.messages_to(ALICE) if m.reply_markup][-1]
    assert keyboard.reply_markup is not None
    [[choice]] = keyboard.reply_markup["inline_keyboard"]
    assert choice["text"] == "News (1)"
    fake.press_button(keyboard, choice["callback_data"], user_id=ALICE)
    await fake.wait_for(lambda: fake.edits, 5)
    assert "News" in await say(fake, "/subscriptions", ALICE)

    commands = fake.commands_for()
    assert {c["command"] for c in commands} >= {"start", "subscribe", "help", "stop"}


async def test_the_token_never_reaches_the_logs(
    started: BotFactory, content: Path, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    await say(fake, "/subscribe news", ALICE)
    write_post(content, "2026-01-13-logged.md", "Logged")
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Logged"], 5)
    secret = fake.token.split(":")[1]
    assert caplog.records
    assert not [r for r in caplog.records if secret in r.getMessage()]


async def test_a_post_with_an_image_goes_as_a_photo_or_as_text_when_refused(
    started: BotFactory, content: Path, fake: FakeTelegram
) -> None:
    await say(fake, "/subscribe news", ALICE)
    write_post(content, "2026-01-14-photo.md", "With photo", extra="image: /img/a.jpg\n")
    await fake.wait_for(lambda: any(m.method == "sendPhoto" for m in fake.sent), 5)
    [photo] = [m for m in fake.sent if m.method == "sendPhoto"]
    assert photo.photo == "https://news.example/img/a.jpg"
    assert photo.text is not None and photo.text.startswith("<b>With photo</b>")

    fake.bad_photos = True
    write_post(content, "2026-01-15-bad-photo.md", "Bad photo", extra="image: /img/b.png\n")
    await fake.wait_for(lambda: "Bad photo" in titles(fake, ALICE), 5)
    last = fake.messages_to(ALICE)[-1]
    assert last.method == "sendMessage" and (last.text or "").startswith("<b>Bad photo</b>")


async def test_a_malformed_post_is_logged_once_skipped_and_read_again_when_fixed(
    started: BotFactory, content: Path, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    await say(fake, "/subscribe news", ALICE)
    broken = content / "2026-01-16-broken.md"
    broken.write_text("---\ntitle: [oops\ncategories: News\n---\nBody\n")
    write_post(content, "2026-01-17-fine.md", "Fine")
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Fine"], 5)
    await asyncio.sleep(0.6)  # a few more scans
    warnings = [r.getMessage() for r in caplog.records if "2026-01-16-broken.md" in r.getMessage()]
    assert len(warnings) == 1 and "bad YAML front matter" in warnings[0]

    write_post(content, broken.name, "Fixed")
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Fine", "Fixed"], 5)


async def test_replies_to_people_go_ahead_of_bulk_sends(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    shutil.copy(SEED, content / SEED.name)
    await newsbot(SEND_RATE="20")
    await first_scan_done(store)
    for chat in range(5000, 5080):
        await store.subscribe(chat, "private", "", "news", datetime.now(UTC))
    write_post(content, "2026-01-18-bulk.md", "Bulk")
    await fake.wait_for(lambda: len(fake.sent) >= 5, 5)
    bulk_before = len(fake.sent)
    fake.command("/help", chat_id=ALICE)
    await fake.wait_for(lambda: fake.messages_to(ALICE), 5)
    reply_index = fake.sent.index(fake.messages_to(ALICE)[0])
    # Only the sends that already had their slot may go before the reply.
    assert reply_index - bulk_before <= 3
    assert len(fake.sent) < 80  # the bulk was still going


async def test_topics_lists_many_topics_within_one_message(
    started: BotFactory, content: Path, fake: FakeTelegram
) -> None:
    tags = ", ".join(f"Long topic name number {n:03d}" for n in range(400))
    write_post(content, "2026-01-19-many.md", "Many", tags=f"[{tags}]")

    async def all_known() -> bool:
        return "more" in await say(fake, "/topics", ALICE)

    await eventually(all_known)
    listing = fake.messages_to(ALICE)[-1].text or ""
    assert listing.startswith("Topics (posts):\n• News (2)")
    assert "… and " in listing and listing.endswith("Follow one with /subscribe TOPIC.")
