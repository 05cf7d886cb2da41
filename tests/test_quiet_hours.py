"""Quiet hours, link previews and the /settings menu end to end, through the fake Bot API on
SQLite and PostgreSQL, with the clock moved past the window instead of waited for."""

from __future__ import annotations

import asyncio
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.clock import ShiftedClock
from tests.support.conversation import ALICE, BOB, GROUP, buttons, first_scan_done, say, titles
from tests.support.fake_telegram import FakeTelegram, SentMessage
from tests.support.held import summaries, waiting
from tests.support.outbox import all_recorded, queue_broadcast
from tests.support.posts import SEED, write_post


async def started(newsbot: BotFactory, content: Path, store: Store) -> None:
    shutil.copy(SEED, content / SEED.name)
    await newsbot()
    await first_scan_done(store)


def window_around(now: datetime) -> tuple[str, datetime]:
    """/quiet's argument for a window from an hour before `now` to an hour after (UTC)."""
    start = (now - timedelta(hours=1)).replace(second=0, microsecond=0)
    end = start + timedelta(hours=2)
    return f"{start:%H:%M}-{end:%H:%M}", end


async def held_for(store: Store, chat_id: int, count: int) -> None:
    for _ in range(200):
        if await waiting(store, chat_id) == count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} posts were not held for {chat_id}")


async def test_notes_in_quiet_hours_wait_for_the_window_end(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram, clock: ShiftedClock
) -> None:
    await started(newsbot, content, store)
    await say(fake, "/subscribe news", ALICE)
    await say(fake, "/subscribe news", BOB)
    argument, end = window_around(clock.now())
    assert f"quiet hours {argument.replace('-', '–')} (UTC)" in await say(
        fake, f"/quiet {argument}", ALICE
    )

    # One note held: at the window's end it comes as its normal note, with its button.
    write_post(content, "2026-01-02-night.md", "At night")
    await fake.wait_for(lambda: titles(fake, BOB) == ["At night"], 10)
    await held_for(store, ALICE, 1)
    # Anything sent inside the window comes without a sound (a broadcast here).
    await queue_broadcast(store, [ALICE, BOB], "Storm warning")
    def storms(chat_id: int) -> list[SentMessage]:
        return [m for m in fake.messages_to(chat_id) if "Storm" in (m.text or "")]

    await fake.wait_for(lambda: storms(ALICE) and storms(BOB), 10)
    assert storms(ALICE)[0].params.get("disable_notification") is True
    assert not storms(BOB)[0].params.get("disable_notification")
    assert titles(fake, ALICE) == []

    await all_recorded(store)
    clock.jump_to(end + timedelta(seconds=1))
    await fake.wait_for(lambda: titles(fake, ALICE) == ["At night"], 10)
    note = next(m for m in fake.messages_to(ALICE) if (m.text or "").startswith("<b>At night"))
    assert buttons(note)[0]["text"] == "Unsubscribe from News"
    assert not note.params.get("disable_notification")

    # The next night, two notes held: one message listing both.
    argument, end = window_around(clock.now())
    await say(fake, f"/quiet {argument}", ALICE)
    write_post(content, "2026-01-03-one.md", "One")
    write_post(content, "2026-01-04-two.md", "Two")
    await fake.wait_for(lambda: len(titles(fake, BOB)) == 3, 10)
    await held_for(store, ALICE, 2)
    await all_recorded(store)
    clock.jump_to(end + timedelta(seconds=1))

    def summary() -> list[str]:
        return [
            m.text or "" for m in fake.messages_to(ALICE) if "notes were held" in (m.text or "")
        ]

    await fake.wait_for(summary, 10)
    [text] = summary()
    assert text.startswith("<b>While notes were held: 2 new posts</b>")
    assert "One</a>" in text and "Two</a>" in text
    assert await summaries(store) == [(ALICE, "held"), (ALICE, "held")]

    # /quiet off: notes come at once again.
    assert "Quiet hours off" in await say(fake, "/quiet off", ALICE)
    write_post(content, "2026-01-05-day.md", "By day")
    await fake.wait_for(lambda: "By day" in titles(fake, ALICE), 10)


async def test_quiet_off_inside_the_window_sends_what_was_held(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram, clock: ShiftedClock
) -> None:
    await started(newsbot, content, store)
    await say(fake, "/subscribe news", ALICE)
    argument, _ = window_around(clock.now())
    await say(fake, f"/quiet {argument}", ALICE)
    write_post(content, "2026-01-02-night.md", "At night")
    await held_for(store, ALICE, 1)
    await say(fake, "/quiet off", ALICE)
    await fake.wait_for(lambda: titles(fake, ALICE) == ["At night"], 10)


async def test_previews_off_disables_the_link_preview_of_text_notes(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    await started(newsbot, content, store)
    await say(fake, "/subscribe news", ALICE)
    await say(fake, "/subscribe news", BOB)
    assert "no link preview" in await say(fake, "/previews off", ALICE)
    assert "Usage" in await say(fake, "/previews maybe", ALICE)
    write_post(content, "2026-01-02-post.md", "Post")
    await fake.wait_for(lambda: titles(fake, ALICE) and titles(fake, BOB), 10)
    [note] = [m for m in fake.messages_to(ALICE) if (m.text or "").startswith("<b>Post")]
    assert note.params.get("link_preview_options") == {"is_disabled": True}
    [other] = [m for m in fake.messages_to(BOB) if (m.text or "").startswith("<b>Post")]
    assert "link_preview_options" not in other.params


async def test_settings_menu_changes_choices_in_place(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    await started(newsbot, content, store)
    text = await say(fake, "/settings", ALICE)
    assert "Notes: each post as soon as it is published" in text
    assert "Time zone: <b>UTC</b>" in text
    menu = fake.messages_to(ALICE)[-1]
    by_label = {b["text"]: b["callback_data"] for b in buttons(menu)}
    assert "✓ Instant" in by_label and "✓ No quiet hours" in by_label

    async def press(label: str) -> str:
        current = fake.message(ALICE, menu.message_id)
        assert current is not None
        data = {
            b["text"]: b["callback_data"]
            for row in current["reply_markup"]["inline_keyboard"]
            for b in row
        }[label]
        edits = len(fake.edits)
        fake.press_button(menu, data, user_id=ALICE)
        await fake.wait_for(lambda: len(fake.edits) > edits, 10)
        edited = fake.message(ALICE, menu.message_id)
        assert edited is not None
        return str(edited["text"])

    assert "Notes: a daily digest at 08:00" in await press("Daily")
    assert "Notes: a daily digest at 09:00" in await press("+ 1 h (09:00)")
    assert "Quiet hours: 22:00–07:00" in await press("Quiet 22:00–07:00")
    assert "Link previews: off" in await press("No previews")
    settings = await store.chat_settings(ALICE)
    assert (settings.digest.at.hour, settings.quiet is not None, settings.previews) == (
        9,
        True,
        False,
    )
    # The same choice again: an answer, no edit (Telegram refuses an edit that changes nothing).
    current = fake.message(ALICE, menu.message_id)
    assert current is not None
    again = next(
        b["callback_data"]
        for row in current["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == "✓ Daily"
    )
    answers = len(fake.callback_answers)
    fake.press_button(menu, again, user_id=ALICE)
    await fake.wait_for(lambda: len(fake.callback_answers) > answers, 10)
    assert fake.callback_answers[answers]["text"] == "Already chosen"


async def test_in_groups_only_administrators_change_settings(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    await started(newsbot, content, store)
    refused = await say(fake, "/digest daily 08:00", GROUP, user_id=BOB)
    assert "administrators" in refused
    assert (await store.chat_settings(GROUP)).digest.on is False


async def test_timezone_near_misses_get_suggestions(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    await started(newsbot, content, store)
    reply = await say(fake, "/timezone Europe/Berln", ALICE)
    assert "Did you mean /timezone Europe/Berlin" in reply
    assert "Time zone: <b>UTC</b>" in await say(fake, "/timezone", ALICE)
    reply = await say(fake, "/timezone " + "<b>" * 2000, ALICE)
    assert "I don't know the time zone" in reply and "&lt;b&gt;" in reply
    assert "America/New_York" in await say(fake, "/timezone america/new york", ALICE)
    assert (await store.chat_settings(ALICE)).timezone == "America/New_York"
    assert "Usage" in await say(fake, "/digest weekly someday 08:00", ALICE)
    assert "Usage" in await say(fake, "/quiet 22:00", ALICE)
