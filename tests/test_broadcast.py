"""Admin broadcasts through Telegram: preview, confirm once, progress, report; /stats."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import buttons, first_scan_done, say
from tests.support.fake_telegram import FakeTelegram, utf16_len
from tests.support.posts import SEED

ADMIN = 777
READERS = [2001, 2002, 2003]


@pytest.fixture
async def readers(newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram) -> None:
    """A running bot with an admin and three registered chats."""
    shutil.copy(SEED, content / SEED.name)
    await newsbot(ADMIN_IDS=f"{ADMIN}, 999")
    await first_scan_done(store)
    for chat in READERS:
        await say(fake, "/start", chat)


def broadcasts_to(fake: FakeTelegram, chat: int) -> list[str]:
    return [m.text or "" for m in fake.messages_to(chat) if (m.text or "").startswith("📢")]


async def test_preview_then_one_confirmation_sends_once_to_every_active_chat(
    readers: None, fake: FakeTelegram
) -> None:
    await say(fake, "/stop", READERS[2])
    preview_text = await say(fake, "/broadcast Roads <closed> & bridges open", ADMIN)
    assert preview_text.startswith("📢 Roads &lt;closed&gt; &amp; bridges open")
    assert "all 2 active chats" in preview_text
    preview = fake.messages_to(ADMIN)[-1]
    send, cancel, _ = buttons(preview)
    assert send["text"] == "Send to 2 chats" and cancel["text"] == "Cancel"
    assert broadcasts_to(fake, READERS[0]) == []  # nothing before the confirmation

    # A double tap: two presses reach the bot before it answers the first.
    fake.press_button(preview, send["callback_data"], user_id=ADMIN)
    fake.press_button(preview, send["callback_data"], user_id=ADMIN)
    await fake.wait_for(lambda: all(broadcasts_to(fake, c) for c in READERS[:2]), 5)
    await fake.wait_for(
        lambda: "Done in" in (fake.message(ADMIN, preview.message_id) or {}).get("text", ""), 10
    )
    report = (fake.message(ADMIN, preview.message_id) or {})["text"]
    assert "delivered 2, blocked 0, failed 0" in report
    for chat in READERS[:2]:
        assert broadcasts_to(fake, chat) == ["📢 Roads &lt;closed&gt; &amp; bridges open"]
    assert broadcasts_to(fake, READERS[2]) == []  # /stop means broadcasts too
    assert len(fake.callback_answers) == 2


async def test_cancel_sends_nothing(readers: None, fake: FakeTelegram, store: Store) -> None:
    await say(fake, "/broadcast Never mind", ADMIN)
    preview = fake.messages_to(ADMIN)[-1]
    _, cancel, _ = buttons(preview)
    fake.press_button(preview, cancel["callback_data"], user_id=ADMIN)
    await fake.wait_for(lambda: fake.edits, 5)
    assert "Cancelled" in (fake.edits[-1].text or "")
    assert (await store.stats()).deliveries == {}


async def test_broadcast_to_one_topic_reaches_only_its_subscribers(
    readers: None, fake: FakeTelegram
) -> None:
    await say(fake, "/subscribe news", READERS[0])
    preview_text = await say(fake, "/broadcast #News Only for news readers", ADMIN)
    assert "the 1 chat following News" in preview_text
    preview = fake.messages_to(ADMIN)[-1]
    fake.press_button(preview, buttons(preview)[0]["callback_data"], user_id=ADMIN)
    await fake.wait_for(lambda: broadcasts_to(fake, READERS[0]), 5)
    assert broadcasts_to(fake, READERS[0]) == ["📢 Only for news readers"]
    assert broadcasts_to(fake, READERS[1]) == []


async def test_others_are_politely_refused_and_nothing_is_queued(
    readers: None, fake: FakeTelegram, store: Store
) -> None:
    reply = await say(fake, "/broadcast Free crypto", READERS[0])
    assert "only the site's admins" in reply
    assert "admins" in await say(fake, "/stats", READERS[0])
    assert (await store.stats()).deliveries == {}
    # Another admin cannot confirm somebody's preview from a chat it was not sent to.
    await say(fake, "/broadcast Hello", ADMIN)
    preview = fake.messages_to(ADMIN)[-1]
    fake.press_button(preview, buttons(preview)[0]["callback_data"], user_id=READERS[0])
    await fake.wait_for(lambda: fake.callback_answers, 5)
    assert (await store.stats()).deliveries == {}


async def test_bad_broadcasts_get_a_helpful_reply(readers: None, fake: FakeTelegram) -> None:
    assert "Usage: /broadcast" in await say(fake, "/broadcast", ADMIN)
    assert "I don't know the topic" in await say(fake, "/broadcast #nosuch Hi", ADMIN)
    assert "at most 3800" in await say(fake, "/broadcast " + "x" * 4000, ADMIN)


async def test_stats_for_admins(readers: None, fake: FakeTelegram) -> None:
    await say(fake, "/subscribe news", READERS[0])
    report = await say(fake, "/stats", ADMIN)
    assert "<b>Chats</b>: 3 active" in report
    assert "News: 1" in report
    help_text = await say(fake, "/help", ADMIN)
    assert "/broadcast" in help_text and "/stats" in help_text
    admin_scope = {"type": "chat", "chat_id": ADMIN}
    assert "broadcast" in {c["command"] for c in fake.commands_for(admin_scope)}
    assert "broadcast" not in {c["command"] for c in fake.commands_for()}


async def test_links_with_query_strings_and_code_languages_stay_valid_html(
    readers: None, fake: FakeTelegram
) -> None:
    text = "/broadcast Read this and run that"
    at = text.index
    entities = [
        {"type": "bot_command", "offset": 0, "length": len("/broadcast")},
        {
            "type": "text_link",
            "offset": at("this"),
            "length": len("this"),
            "url": 'https://e.example/?a=1&b="2"',
        },
        {"type": "pre", "offset": at("that"), "length": len("that"), "language": "python"},
    ]
    before = len(fake.messages_to(ADMIN))
    fake.text_message(text, chat_id=ADMIN, entities=entities)
    await fake.wait_for(lambda: len(fake.messages_to(ADMIN)) > before, 5)
    preview = fake.messages_to(ADMIN)[-1].text or ""
    assert preview.startswith(
        '📢 Read <a href="https://e.example/?a=1&amp;b=&quot;2&quot;">this</a> and run '
        '<pre><code class="language-python">that</code></pre>'
    )


async def test_formatting_that_starts_inside_the_topic_survives_its_removal(
    readers: None, fake: FakeTelegram
) -> None:
    await say(fake, "/subscribe news", READERS[0])
    text = "/broadcast #News Hello 🗞 world"
    at = text.index

    def entity(kind: str, start: int, end: int) -> dict[str, object]:
        """An entity over text[start:end], in UTF-16 units as Telegram sends it."""
        offset, length = utf16_len(text[:start]), utf16_len(text[start:end])
        return {"type": kind, "offset": offset, "length": length}

    entities = [
        entity("bot_command", 0, len("/broadcast")),
        entity("hashtag", at("#"), at(" Hello")),
        entity("bold", at("ws"), at(" 🗞")),  # starts inside "#News", runs into the text
        entity("italic", at("world"), len(text)),  # after a two-unit emoji
    ]
    before = len(fake.messages_to(ADMIN))
    fake.text_message(text, chat_id=ADMIN, entities=entities)
    await fake.wait_for(lambda: len(fake.messages_to(ADMIN)) > before, 5)
    preview = fake.messages_to(ADMIN)[-1]
    assert (preview.text or "").startswith("📢 <b>Hello</b> 🗞 <i>world</i>\n\n")
    assert "the 1 chat following News" in (preview.text or "")
    fake.press_button(preview, buttons(preview)[0]["callback_data"], user_id=ADMIN)
    await fake.wait_for(lambda: broadcasts_to(fake, READERS[0]), 5)
    assert broadcasts_to(fake, READERS[0]) == ["📢 <b>Hello</b> 🗞 <i>world</i>"]
