"""Hostile input to every command added this session: each answer fits Telegram's limits.

The fake Bot API refuses what Telegram refuses (texts over 4,096 characters, HTML it cannot
parse, callback data over 64 bytes, answers over 200 characters), and a test fails on any
ERROR logged, so a reply that does not fit, or a handler that crashes, fails these tests.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import ALICE, BOB, GROUP, buttons, first_scan_done, say
from tests.support.fake_telegram import CALLBACK_DATA_LIMIT, FakeTelegram, utf16_len
from tests.support.posts import write_post

ADMIN = 777
WORD = "<b>&amp;" + "ü" * 300  # HTML, an entity, and far longer than a button
HOSTILE = [
    "/filter " + " ".join(f"{WORD}{i}" for i in range(20)),
    "/filter -" + WORD,
    "/filter remove " + WORD,
    "/filter <b>",
    "/filter &",
    "/filter",
    "/filter clear",
    "/timezone " + "Europe/" * 700,
    "/timezone <b>&" + "x" * 5000,
    "/timezone",
    "/digest " + WORD,
    "/digest daily 99:99",
    "/digest weekly <b> 25:00",
    "/quiet " + WORD,
    "/quiet 22:00-22:00",
    "/quiet 24:00-07:61",
    "/previews " + WORD,
    "/language " + WORD,
    "/language xx",
    "/language",
    "/settings " + WORD,
    "/channel add @" + "a" * 300 + " " + WORD,
    "/channel add -100" + "9" * 400,
    "/channel add " + WORD,
    "/channel remove " + WORD,
    "/channel " + WORD,
    "/channels",
    "/broadcast at 9999-99-99 99:99 " + WORD,
    "/broadcast at 2020-01-01 00:00 past <b>",
    "/broadcast at " + WORD,
    "/broadcast #" + WORD + " " + WORD,
    "/scheduled",
    "/audit " + WORD,
]


@pytest.fixture
async def running(newsbot: BotFactory, content: Path, store: Store) -> None:
    write_post(content, "2025-01-01-x.md", "X", tags="[news]")
    await newsbot(ADMIN_IDS=str(ADMIN))
    await first_scan_done(store)


@pytest.mark.parametrize("user", [ADMIN, ALICE])
async def test_every_new_command_answers_hostile_input_within_limits(
    running: None, fake: FakeTelegram, user: int
) -> None:
    for text in HOSTILE:
        reply = await say(fake, text, user)
        assert reply, text
    for message in fake.messages_to(user):
        for row in (message.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                assert len(button.get("callback_data", "").encode()) <= CALLBACK_DATA_LIMIT
                assert utf16_len(button["text"]) <= 64, button["text"]


async def test_a_group_member_who_is_not_its_admin_changes_nothing(
    running: None, fake: FakeTelegram, store: Store
) -> None:
    fake.chat_members[GROUP, ALICE] = "administrator"
    fake.chat_members[GROUP, BOB] = "member"
    group = {"user_id": BOB, "chat_type": "supergroup", "title": "Group"}
    await say(fake, "/subscribe news", GROUP, user_id=ALICE, chat_type="supergroup", title="G")
    before = (await store.chat_settings(GROUP), await store.filters(GROUP))
    for text in [
        "/filter korea",
        "/filter clear",
        "/timezone Asia/Tokyo",
        "/digest daily 08:00",
        "/quiet 22:00-07:00",
        "/previews off",
        "/language de",
        "/channel add @newsroom news",
        "/broadcast hello",
        "/audit",
    ]:
        await say(fake, text, GROUP, **group)
    # The menus an administrator opened, pressed by the member.
    for text in ["/settings", "/language"]:
        await say(fake, text, GROUP, user_id=ALICE, chat_type="supergroup", title="G")
        menu = fake.messages_to(GROUP)[-1]
        for data in {b["callback_data"] for b in buttons(menu)}:
            before_answers = len(fake.callback_answers)
            fake.press_button(menu, data, user_id=BOB)
            await fake.wait_for(lambda: len(fake.callback_answers) > before_answers, 5)  # noqa: B023
    assert (await store.chat_settings(GROUP), await store.filters(GROUP)) == before
    assert await store.channels() == []
    assert await store.chat_language(GROUP) in (None, "en")


async def test_a_channel_following_120_long_topics_is_told_and_listed_within_limits(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    many = [f"topic-number-{i:03d}-of-a-very-long-list-of-topics" for i in range(120)]
    tags = ", ".join(f'"{name}"' for name in many)
    write_post(content, "2025-01-01-everything.md", "Everything", tags=f"[{tags}]")
    await newsbot(ADMIN_IDS=str(ADMIN))
    await first_scan_done(store)
    fake.add_channel(-1001234567890, "newsroom", title="<b>The Newsroom</b> & co")
    added = await say(fake, "/channel add @newsroom " + " ".join(many), ADMIN)
    assert added.startswith("Added <b>@newsroom</b>: it gets the notes of topic-number-000")
    assert added.endswith("… and 100 more.")
    listed = await say(fake, "/channels", ADMIN)
    assert "@newsroom" in listed


FORGED = [
    "lang:zzzzzzzz",
    "lang:xx",
    "lang:",
    "cfg:",
    "cfg:dg:weekly xyz 99:99",
    "cfg:dg:daily 23:59",
    "cfg:qt:24:00-25:00",
    "cfg:pv:maybe",
    "cfg:zz:" + "ü" * 20,
    "cfg:z:Mars/Olympus_Mons",
    "cfg:z:<b>",
    "cfg-page:" + "ü" * 20,
    "cfg-lang:zz",
    "cfg-lang:<b>",
    "ch-rm:1",
    "ch-rm:9223372036854775807",
    "bc-edit:1",
    "bc-recall:9223372036854775807",
    "bc-unsched:1",
    "bc-test:1",
    "bc-send:1",
    "sub:#" + "0" * 24,
    "unsub:<b>",
    "nothing-of-ours",
]


@pytest.mark.parametrize("user", [ADMIN, ALICE])
async def test_forged_buttons_get_a_short_answer(
    running: None, fake: FakeTelegram, store: Store, user: int
) -> None:
    await say(fake, "/settings", user)
    menu = fake.messages_to(user)[-1]
    for data in FORGED:
        before = len(fake.callback_answers)
        fake.press_button(menu, data, user_id=user, forged=True)
        await fake.wait_for(lambda: len(fake.callback_answers) > before, 5)  # noqa: B023
    assert await store.chat_language(user) in (None, "en")
    await fake.wait_idle()
    await asyncio.sleep(0.5)
    # A forged "show again" on an unchanged message: Telegram says so, and the bot takes it.
    fake.rejected[:] = [c for c in fake.rejected if "not modified" not in (c.description or "")]


async def test_a_channel_removed_by_a_double_tap_is_answered_in_plain_text(
    running: None, fake: FakeTelegram, store: Store
) -> None:
    fake.add_channel(-1001234567890, title="R&D <news>")
    assert "Added" in await say(fake, "/channel add -1001234567890 all", ADMIN)
    await say(fake, "/channels", ADMIN)
    listing = fake.messages_to(ADMIN)[-1]
    [remove] = buttons(listing)
    answers = []
    for _ in range(2):  # a double tap: the second finds the channel gone
        before = len(fake.callback_answers)
        fake.press_button(listing, remove["callback_data"], user_id=ADMIN)
        await fake.wait_for(lambda: len(fake.callback_answers) > before, 5)  # noqa: B023
        answers.append(fake.callback_answers[before]["text"])
    assert answers[0] == "Removed R&D <news>"  # a callback answer is not HTML
    assert "Sorry" not in answers[1]
    assert await store.channels() == []
    await fake.wait_idle()
    await asyncio.sleep(0.5)
    # The second press's list is the one shown: Telegram says "not modified", the bot takes it.
    fake.rejected[:] = [c for c in fake.rejected if "not modified" not in (c.description or "")]


# Zero-width spaces, direction marks and a BOM: invisible, and copied along from web pages.
INVISIBLE = "\u200b\u200e\u200f\u202a\u202c\ufeff\u2060"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_invisible_characters_copied_along_do_not_change_a_command(
    running: None, fake: FakeTelegram, store: Store
) -> None:
    """Before, "/timezone Europe/Berlin" with a direction mark was refused with "I don't
    know the time zone Europe/Berlin. Did you mean /timezone Europe/Berlin?"."""
    zone = await say(fake, f"/timezone {INVISIBLE}Europe/Berlin{INVISIBLE}", ALICE)
    assert zone.startswith("Done. Time zone: <b>Europe/Berlin</b>"), zone
    assert "Subscribed to <b>News</b>" in await say(fake, "/subscribe \u200bnews\u200e", ALICE)
    assert "daily digest at 08:00" in await say(fake, "/digest daily\u200f 08:00\u200e", ALICE)
    assert "22:00–07:00" in await say(fake, "/quiet \u202a22:00-07:00\u202c", ALICE)
    assert "Added: <b>korea</b>" in await say(fake, "/filter \u2060korea\ufeff", ALICE)
    assert "Deutsch" in await say(fake, f"/language {INVISIBLE}de", ALICE)
    settings = await store.chat_settings(ALICE)
    assert settings.timezone == "Europe/Berlin" and settings.digest.on and settings.quiet
    # An argument of invisible characters alone is no argument (the chat speaks German now).
    current = await say(fake, f"/timezone {INVISIBLE}", ALICE)
    assert current.startswith("Zeitzone: <b>Europe/Berlin</b> (dort")
