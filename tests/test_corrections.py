"""Corrections and retractions: an announced post edited edits its notes sent, in place; one
unpublished or retracted deletes them; Telegram's 48 hours are respected and counted."""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Bot, InputMediaPhoto
from telegram.error import BadRequest

from bot.domain.announcing import post_record
from bot.domain.changes import NoteShown, change_for
from bot.domain.posts import parse_post
from bot.domain.states import ChangeKind, ChangeState
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.clock import ShiftedClock
from tests.support.conversation import ALICE, BOB, GROUP, eventually, first_scan_done, say
from tests.support.fake_telegram import FakeTelegram, SentMessage
from tests.support.outbox import all_recorded
from tests.support.posts import SEED, write_post

IMAGE = "https://img.example/bridge.jpg"


async def start(newsbot: BotFactory, content: Path, store: Store, **settings: str) -> None:
    shutil.copy(SEED, content / SEED.name)
    await newsbot(**settings)
    await first_scan_done(store)


async def announced(fake: FakeTelegram, chat: int, title: str) -> SentMessage:
    """The note of `title` the chat got."""

    def found() -> list[SentMessage]:
        return [m for m in fake.messages_to(chat) if (m.text or "").startswith(f"<b>{title}")]

    await fake.wait_for(found, 20)
    [note] = found()
    return note


def shown(fake: FakeTelegram, note: SentMessage) -> dict[str, object]:
    return fake.message(note.chat_id, note.message_id) or {}


async def changes_settled(store: Store, **expected: int) -> None:
    """Wait until the change counts are as expected (kind_state=n) and none is left to do."""
    got: dict[str, int] = {}

    async def settled() -> bool:
        counts = (await store.stats()).changes
        got.clear()
        got.update({f"{kind}_{state}": n for (kind, state), n in counts.items()})
        return got == expected

    try:
        await eventually(settled, 20)
    except TimeoutError:
        raise AssertionError(f"changes: {got}, expected {expected}") from None


async def test_an_edited_title_edits_every_note_sent_keeping_its_buttons(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    await start(newsbot, content, store)
    await say(fake, "/subscribe news", ALICE)
    await say(fake, "/subscribe news", BOB)
    path = write_post(content, "2026-01-02-bridge.md", "Bridge opens", body="First words.")
    notes = [await announced(fake, chat, "Bridge opens") for chat in (ALICE, BOB)]
    sent_before = len(fake.sent)

    write_post(content, path.name, "Bridge opens on Monday", body="First words, corrected.")
    await changes_settled(store, edit_done=2)
    for note in notes:
        now = shown(fake, note)
        assert str(now["text"]).startswith("Bridge opens on Monday\n\nFirst words, corrected.")
        assert now["reply_markup"] == note.reply_markup  # the unsubscribe button stays
    assert len(fake.sent) == sent_before  # edited in place: no new message
    assert {e.method for e in fake.edits} == {"editMessageText"}


async def test_a_changed_link_is_a_correction_and_the_body_alone_is_not(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    await start(newsbot, content, store)
    await say(fake, "/subscribe news", ALICE)
    path = write_post(content, "2026-01-02-bridge.md", "Bridge", body="Excerpt.\n\nMore.")
    note = await announced(fake, ALICE, "Bridge")
    write_post(content, path.name, "Bridge", body="Excerpt.\n\nMore, and more.")
    await asyncio.sleep(1.0)
    assert fake.edits == []  # what the note shows did not change
    write_post(content, path.name, "Bridge", body="Excerpt.", extra="permalink: /b/\n")
    await changes_settled(store, edit_done=1)
    assert 'href="https://news.example/b/"' in (fake.edits[-1].text or "")
    assert shown(fake, note)["text"] == "Bridge\n\nExcerpt.\n\nRead more\n#News"


async def test_a_photo_note_gets_its_caption_or_its_photo_edited(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    await start(newsbot, content, store)
    await say(fake, "/subscribe news", ALICE)
    path = write_post(content, "2026-01-02-p.md", "Photo", extra=f"image: {IMAGE}\n")
    note = await announced(fake, ALICE, "Photo")
    assert note.method == "sendPhoto"

    write_post(content, path.name, "Photo, corrected", extra=f"image: {IMAGE}\n")
    await changes_settled(store, edit_done=1)
    assert fake.edits[-1].method == "editMessageCaption"
    assert str(shown(fake, note)["caption"]).startswith("Photo, corrected")

    other = "https://img.example/other.jpg"
    write_post(content, path.name, "Photo, corrected", extra=f"image: {other}\n")
    await changes_settled(store, edit_done=2)
    assert (fake.edits[-1].method, fake.edits[-1].photo) == ("editMessageMedia", other)
    assert shown(fake, note)["reply_markup"] == note.reply_markup

    # No image any more: a photo cannot be taken off, its caption is edited.
    write_post(content, path.name, "Photo, without", extra="")
    await changes_settled(store, edit_done=3)
    assert fake.edits[-1].method == "editMessageCaption"
    assert str(shown(fake, note)["caption"]).startswith("Photo, without")


@pytest.mark.parametrize("how", ["retracted: true\n", "published: false\n"])
async def test_a_retracted_or_unpublished_post_has_its_notes_deleted(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram, how: str
) -> None:
    await start(newsbot, content, store)
    await say(fake, "/subscribe news", ALICE)
    fake.chat_members[GROUP, ALICE] = "administrator"
    await say(fake, "/subscribe news", GROUP, user_id=ALICE)
    path = write_post(content, "2026-01-02-wrong.md", "Wrong")
    notes = [await announced(fake, chat, "Wrong") for chat in (ALICE, GROUP)]
    write_post(content, path.name, "Wrong", extra=how)
    await changes_settled(store, delete_done=2)
    assert sorted(fake.deleted) == sorted((n.chat_id, n.message_id) for n in notes)
    assert all(fake.message(n.chat_id, n.message_id) is None for n in notes)
    assert "Wrong" not in await say(fake, "/topics", ALICE)


async def test_removing_a_file_deletes_nothing(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    await start(newsbot, content, store)
    await say(fake, "/subscribe news", ALICE)
    path = write_post(content, "2026-01-02-moved.md", "Moved")
    await announced(fake, ALICE, "Moved")
    path.rename(content / "2026-01-02-moved-elsewhere.md")
    await asyncio.sleep(1.0)
    path.with_name("2026-01-02-moved-elsewhere.md").unlink()
    await asyncio.sleep(1.0)
    assert fake.deleted == [] and fake.edits == []
    assert (await store.stats()).changes == {}


async def test_past_48_hours_telegram_refuses_and_the_refusals_are_counted(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram, clock: ShiftedClock
) -> None:
    await start(newsbot, content, store, ADMIN_IDS="777")
    await say(fake, "/subscribe news", ALICE)
    old = write_post(content, "2026-01-02-old.md", "Old")
    await announced(fake, ALICE, "Old")
    # A jump of hours expires every lease: first let the sender record what it sent, or the
    # row it has not yet recorded goes out again after the jump (as after a crash).
    await all_recorded(store)
    clock.advance(timedelta(hours=47))
    fresh = write_post(content, "2026-01-03-fresh.md", "Fresh")
    await announced(fake, ALICE, "Fresh")
    await all_recorded(store)
    clock.advance(timedelta(hours=2))

    write_post(content, old.name, "Old, corrected")
    write_post(content, fresh.name, "Fresh, corrected")
    await changes_settled(store, edit_done=1, edit_refused=1)
    write_post(content, old.name, "Old, corrected", extra="retracted: true\n")
    write_post(content, fresh.name, "Fresh, corrected", extra="retracted: true\n")
    await changes_settled(store, edit_done=1, edit_refused=1, delete_done=1, delete_refused=1)
    refusals = [c.description for c in fake.calls if c.status == 400]
    assert sorted(refusals) == [
        "Bad Request: message can't be deleted for everyone",
        "Bad Request: message can't be edited",
    ]
    report = await say(fake, "/stats", 777)
    assert "1 could not be edited" in report and "1 could not be deleted" in report


async def test_corrections_and_retractions_can_be_turned_off(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    await start(newsbot, content, store, CORRECTIONS="off", RETRACTIONS="off")
    await say(fake, "/subscribe news", ALICE)
    path = write_post(content, "2026-01-02-x.md", "Kept")
    await announced(fake, ALICE, "Kept")
    write_post(content, path.name, "Kept, corrected")
    await asyncio.sleep(1.0)
    write_post(content, path.name, "Kept, corrected", extra="retracted: true\n")
    await asyncio.sleep(1.0)
    assert fake.edits == [] and fake.deleted == []
    assert (await store.stats()).changes == {}


def test_kinds_and_states_keep_the_strings_the_database_holds() -> None:
    assert [k.value for k in ChangeKind] == ["edit", "delete"]
    assert [s.value for s in ChangeState] == [
        "pending",
        "sending",
        "done",
        "refused",
        "failed",
        "skipped",
    ]


NOTE = NoteShown("T", "E", "https://s/a", None, True)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (NOTE, None),
        (replace(NOTE, title="T2"), ChangeKind.EDIT),
        (replace(NOTE, excerpt="E2"), ChangeKind.EDIT),
        (replace(NOTE, url="https://s/b"), ChangeKind.EDIT),
        (replace(NOTE, image_url="https://s/i.jpg"), ChangeKind.EDIT),
        (replace(NOTE, published=False), ChangeKind.DELETE),
        (replace(NOTE, title="T2", published=False), ChangeKind.DELETE),
    ],
)
def test_what_an_edit_of_an_announced_post_does(after: NoteShown, expected: ChangeKind) -> None:
    assert change_for(NOTE, after, corrections=True, retractions=True) == expected
    assert change_for(NOTE, after, corrections=False, retractions=False) is None


def test_an_unpublished_post_edited_again_changes_nothing() -> None:
    hidden = replace(NOTE, published=False)
    edited = replace(hidden, title="x")
    assert change_for(hidden, edited, corrections=True, retractions=True) is None


@pytest.mark.parametrize(("value", "retracted"), [("true", True), ("yes", True), ("false", False)])
def test_retracted_in_front_matter(value: str, retracted: bool) -> None:
    post = parse_post(f"---\ntitle: x\ndate: 2025-01-01\nretracted: {value}\n---\n", "x.md")
    assert post.retracted is retracted
    assert post_record(post, "https://s").published is not retracted


async def test_the_fake_bot_api_allows_changes_for_48_hours_only(fake: FakeTelegram) -> None:
    now = time.time()
    fake.wall_clock = lambda: now
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        text = await bot.send_message(ALICE, "Hello")
        photo = await bot.send_photo(ALICE, IMAGE, caption="Hello")
        fake.wall_clock = lambda: now + 48 * 3600
        with pytest.raises(BadRequest, match="(?i)message can't be edited"):
            await bot.edit_message_text("Bye", ALICE, text.message_id)
        with pytest.raises(BadRequest, match="(?i)message can't be edited"):
            await bot.edit_message_media(InputMediaPhoto(IMAGE), ALICE, photo.message_id)
        with pytest.raises(BadRequest, match="(?i)message can't be deleted for everyone"):
            await bot.delete_message(ALICE, text.message_id)
        fake.wall_clock = lambda: now + 47 * 3600
        other = "https://img.example/other.jpg"
        await bot.edit_message_media(InputMediaPhoto(other, caption="New"), ALICE, photo.message_id)
        assert (fake.edits[-1].photo, fake.edits[-1].text) == (other, "New")
        with pytest.raises(BadRequest, match="(?i)there is no media in the message to edit"):
            await bot.edit_message_media(InputMediaPhoto(other), ALICE, text.message_id)
        assert await bot.delete_message(ALICE, text.message_id)
        with pytest.raises(BadRequest, match="(?i)message to delete not found"):
            await bot.delete_message(ALICE, text.message_id)
    assert fake.deleted == [(ALICE, text.message_id)]
    # The bot's own mistakes would be rejections: these two were asked for.
    assert [c.description for c in fake.rejected] == [
        "Bad Request: there is no media in the message to edit",
        "Bad Request: message to delete not found",
    ]
    fake.rejected.clear()
