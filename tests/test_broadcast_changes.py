"""A sent broadcast's report carries Edit and Recall: every copy is edited or deleted in place,
as far as Telegram's 48 hours allow, with progress in the report; each action is audited."""

from __future__ import annotations

import asyncio
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.clock import ShiftedClock
from tests.support.conversation import buttons, first_scan_done, say
from tests.support.fake_telegram import FakeTelegram, SentMessage
from tests.support.posts import SEED

ADMIN = 777
READERS = [2001, 2002, 2003]


@pytest.fixture
async def readers(newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram) -> None:
    """A running bot with an admin and three registered chats."""
    shutil.copy(SEED, content / SEED.name)
    await newsbot(ADMIN_IDS=str(ADMIN))
    await first_scan_done(store)
    for chat in READERS:
        await say(fake, "/start", chat)


def copies(fake: FakeTelegram) -> list[SentMessage]:
    return [m for m in fake.sent if m.chat_id in READERS and (m.text or "").startswith("📢")]


def report(fake: FakeTelegram, preview: SentMessage) -> dict[str, object]:
    return fake.message(ADMIN, preview.message_id) or {}


def report_buttons(fake: FakeTelegram, preview: SentMessage) -> dict[str, str]:
    markup = report(fake, preview).get("reply_markup") or {"inline_keyboard": []}
    assert isinstance(markup, dict)
    return {b["text"]: b["callback_data"] for row in markup["inline_keyboard"] for b in row}


async def sent_broadcast(fake: FakeTelegram, text: str = "Roads closed") -> SentMessage:
    """Broadcast `text` to the readers and wait for the final report."""
    await say(fake, f"/broadcast {text}", ADMIN)
    preview = fake.messages_to(ADMIN)[-1]
    fake.press_button(preview, buttons(preview)[0]["callback_data"], user_id=ADMIN)
    await fake.wait_for(lambda: "Recall" in report_buttons(fake, preview), 15)
    assert len(copies(fake)) == len(READERS)
    return preview


async def tell(fake: FakeTelegram, text: str) -> str:
    """The admin writes plain text; the bot's reply."""
    before = len(fake.messages_to(ADMIN))
    fake.text_message(text, chat_id=ADMIN)
    await fake.wait_for(lambda: len(fake.messages_to(ADMIN)) > before, 10)
    return fake.messages_to(ADMIN)[before].text or ""


async def press(fake: FakeTelegram, preview: SentMessage, label: str) -> None:
    answers = len(fake.callback_answers)
    fake.press_button(preview, report_buttons(fake, preview)[label], user_id=ADMIN)
    await fake.wait_for(lambda: len(fake.callback_answers) > answers, 10)


async def test_recall_deletes_every_copy_with_progress_in_the_report(
    readers: None, fake: FakeTelegram, store: Store
) -> None:
    preview = await sent_broadcast(fake)
    assert "Done in" in str(report(fake, preview)["text"])
    await press(fake, preview, "Recall")
    assert fake.callback_answers[-1]["text"] == "Deleting 3 copies"
    await fake.wait_for(lambda: "Recalled:" in str(report(fake, preview)["text"]), 15)
    assert str(report(fake, preview)["text"]).endswith(
        "Recalled: 3 copies deleted, 0 could not be deleted."
    )
    assert sorted(fake.deleted) == sorted((m.chat_id, m.message_id) for m in copies(fake))
    assert report_buttons(fake, preview) == {}  # nothing left to edit or recall
    audit = await say(fake, "/audit", ADMIN)
    assert audit.index("broadcast recalled") < audit.index("broadcast sent")  # newest first
    assert f"· {ADMIN} ·" in audit


async def test_past_48_hours_a_recall_deletes_nothing_and_says_so(
    readers: None, fake: FakeTelegram, clock: ShiftedClock
) -> None:
    preview = await sent_broadcast(fake)
    clock.advance(timedelta(hours=49))
    await press(fake, preview, "Recall")
    # The report itself is too old to edit: the final count comes as a new message.
    await fake.wait_for(lambda: "Recalled:" in (fake.messages_to(ADMIN)[-1].text or ""), 15)
    assert (fake.messages_to(ADMIN)[-1].text or "").endswith(
        "Recalled: 0 copies deleted, 3 could not be deleted.</i>"
    )
    assert fake.deleted == []
    assert "Deletions: 0 deleted, 3 could not be deleted" in await say(fake, "/stats", ADMIN)


async def test_edit_takes_the_admins_next_message_and_edits_every_copy(
    readers: None, fake: FakeTelegram, store: Store
) -> None:
    preview = await sent_broadcast(fake)
    sent = len(fake.sent)
    await press(fake, preview, "Edit")
    await fake.wait_for(lambda: len(fake.sent) > sent, 10)
    prompt = fake.messages_to(ADMIN)[-1].text or ""
    assert "new text" in prompt and "5 minutes" in prompt
    # A reader's plain text is not the new text, and an admin's command is a command.
    fake.text_message("Hijack", chat_id=READERS[0])
    assert "Chats" in await say(fake, "/stats", ADMIN)

    reply = await tell(fake, "Roads open again")
    assert reply == "Editing 3 copies"
    for copy in copies(fake):
        await fake.wait_for(
            lambda copy=copy: (
                (fake.message(copy.chat_id, copy.message_id) or {}).get("text")
                == "📢 Roads open again"
            ),
            15,
        )
    await fake.wait_for(lambda: "Edited:" in str(report(fake, preview)["text"]), 15)
    text = str(report(fake, preview)["text"])
    assert text.startswith("📢 Roads open again")
    assert text.endswith("Edited: 3 copies edited, 0 could not be edited.")
    assert set(report_buttons(fake, preview)) == {"Edit", "Recall"}  # edit again, or recall
    # The prompt, two replies, and the reader's hint for stray text: no copy sent again.
    assert len(fake.sent) == sent + 4
    assert "/help" in (fake.messages_to(READERS[0])[-1].text or "")  # the hint
    assert "broadcast edited" in await say(fake, "/audit", ADMIN)

    # The request was used up: the admin's next plain text edits nothing.
    edits = len(fake.edits)
    fake.text_message("Just chatting", chat_id=ADMIN)
    await fake.wait_idle()
    await asyncio.sleep(0.5)
    assert len(fake.edits) == edits


async def test_an_edit_request_expires_after_5_minutes(
    readers: None, fake: FakeTelegram, clock: ShiftedClock
) -> None:
    preview = await sent_broadcast(fake)
    await press(fake, preview, "Edit")
    clock.advance(timedelta(minutes=6))
    edits = len(fake.edits)
    fake.text_message("Too late", chat_id=ADMIN)
    await fake.wait_idle()
    await asyncio.sleep(0.5)
    assert len(fake.edits) == edits
    assert {m.text for m in copies(fake)} == {"📢 Roads closed"}


async def test_the_same_text_again_counts_as_edited(
    readers: None, fake: FakeTelegram, store: Store
) -> None:
    preview = await sent_broadcast(fake)
    await press(fake, preview, "Edit")
    await fake.wait_for(lambda: "new text" in (fake.messages_to(ADMIN)[-1].text or ""), 10)
    assert await tell(fake, "Roads closed") == "Editing 3 copies"
    await fake.wait_for(lambda: "Edited:" in str(report(fake, preview)["text"]), 15)
    assert str(report(fake, preview)["text"]).endswith("3 copies edited, 0 could not be edited.")
    # Telegram's "message is not modified" for each copy, which the bot takes as done.
    assert {c.description for c in fake.rejected} == {
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    }
    fake.rejected.clear()


async def test_a_photo_broadcasts_new_text_must_fit_in_a_caption(
    readers: None, fake: FakeTelegram
) -> None:
    before = len(fake.messages_to(ADMIN))
    fake.photo_message("/broadcast Roads closed", chat_id=ADMIN, file_id="AgACAgQAAxkBAAIBQ2bX7ph")
    await fake.wait_for(lambda: len(fake.messages_to(ADMIN)) > before, 10)
    preview = fake.messages_to(ADMIN)[-1]
    fake.press_button(preview, buttons(preview)[0]["callback_data"], user_id=ADMIN)
    await fake.wait_for(lambda: "Recall" in report_buttons(fake, preview), 15)
    sent = len(fake.sent)
    await press(fake, preview, "Edit")
    await fake.wait_for(lambda: len(fake.sent) > sent, 10)
    edits = len(fake.edits)
    # 2,000 characters fit a text message but not a photo's caption (1,024).
    assert "caption" in await tell(fake, "Roads " + "x" * 2000)
    await fake.wait_idle()
    assert len(fake.edits) == edits  # no copy was asked to take it
    assert await tell(fake, "Roads open again") == "Editing 3 copies"  # another try is allowed
