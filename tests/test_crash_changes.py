"""Crash safety of changes to sent notes: a correction and a recall interrupted by SIGKILL of a
real `newsbot run`; after a restart every note is changed once, none is left undone."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.audit import SHELL
from bot.domain.states import ChangeKind, ChangeState
from bot.messaging.transport import concurrency_for
from storage.store import Store
from tests.support.crashes import (
    CHATS,
    RATE,
    killable_process,  # noqa: F401 - the `process` fixture
    started_with_readers,
)
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import write_post
from tests.support.processes import Process

pytestmark = pytest.mark.slow


def notes(fake: FakeTelegram, title: str) -> dict[int, int]:
    """The message id of the note of `title` each chat got."""
    return {m.chat_id: m.message_id for m in fake.sent if (m.text or "").startswith(f"<b>{title}")}


async def killed_midway(process: Process, progress: int, what: str) -> None:
    assert await process.signal(signal.SIGKILL) == -signal.SIGKILL
    assert progress < len(CHATS), f"the kill came too late to test anything ({what})"
    await process.start()


def repeats_were_harmless(fake: FakeTelegram, answer: str) -> None:
    """Changes applied again after the kill (in flight then) got Telegram's "already" answer."""
    assert {c.description for c in fake.rejected} <= {f"Bad Request: {answer}"}
    # Only the changes in flight at the kill (one batch) can be applied again.
    assert len(fake.rejected) <= concurrency_for(RATE)
    fake.rejected.clear()


async def counts(store: Store, kind: ChangeKind) -> Counter[ChangeState]:
    changes = (await store.stats()).changes
    return Counter({state: n for (k, state), n in changes.items() if k == kind})


async def test_a_correction_killed_midway_edits_every_note_once(
    store: Store, process: Process, content: Path, fake: FakeTelegram
) -> None:
    await started_with_readers(store, process, content)
    path = write_post(content, "2026-02-01-bridge.md", "Bridge")
    await fake.wait_for(lambda: len(notes(fake, "Bridge")) == len(CHATS), 30)
    sent = notes(fake, "Bridge")

    write_post(content, path.name, "Bridge, corrected")
    await fake.wait_for(lambda: len(fake.edits) >= 100, 30)
    await killed_midway(process, len(fake.edits), "correction")

    def corrected() -> set[int]:
        return {
            chat
            for chat, message_id in sent.items()
            if str((fake.message(chat, message_id) or {}).get("text", "")).startswith(
                "Bridge, corrected"
            )
        }

    await fake.wait_for(lambda: corrected() == set(CHATS), 30)
    await asyncio.sleep(1.0)
    edited = Counter((e.chat_id, e.message_id) for e in fake.edits)
    assert set(edited) == set(sent.items()) and set(edited.values()) == {1}
    assert len(notes(fake, "Bridge")) == len(CHATS)  # never as a new message
    assert await counts(store, ChangeKind.EDIT) == Counter({ChangeState.DONE: len(CHATS)})
    repeats_were_harmless(
        fake,
        "message is not modified: specified new message content and "
        "reply markup are exactly the same as a current content and reply "
        "markup of the message",
    )


async def test_a_recall_killed_midway_deletes_every_copy(
    store: Store, process: Process, content: Path, fake: FakeTelegram
) -> None:
    await started_with_readers(store, process, content)
    now = datetime.now(UTC)
    broadcast_id = await store.create_broadcast("📢 Wrong news", None, SHELL, None, now)
    assert await store.start_broadcast(broadcast_id, now) == len(CHATS)
    await fake.wait_for(lambda: len(fake.sent) == len(CHATS), 30)

    assert await store.recall_broadcast(broadcast_id, SHELL, datetime.now(UTC)) == len(CHATS)
    await fake.wait_for(lambda: len(fake.deleted) >= 100, 30)
    await killed_midway(process, len(fake.deleted), "recall")

    await fake.wait_for(lambda: len(fake.deleted) == len(CHATS), 30)
    await asyncio.sleep(1.0)
    assert sorted(fake.deleted) == sorted((m.chat_id, m.message_id) for m in fake.sent)
    assert await counts(store, ChangeKind.DELETE) == Counter({ChangeState.DONE: len(CHATS)})
    assert len(fake.sent) == len(CHATS)  # nothing sent again
    repeats_were_harmless(fake, "message to delete not found")
    assert "broadcast recalled" in {entry.action for entry in await store.audit()}
