"""Changes to notes already sent: corrections and retractions of posts, edits and recalls of
broadcasts. One mechanism for all: a change per sent note, queued like a delivery, applied in
place (editMessageText/Caption/Media, deleteMessage), never as a new message.

What is a correction and what a retraction is decided here, from what the catalogue held
before a scan and what it holds after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.domain.outbox import DeliveryJob
from bot.domain.states import ChangeKind, ChangeState


@dataclass(frozen=True)
class NoteShown:
    """What an announced post's note shows (and whether the post is still public)."""

    title: str
    excerpt: str
    url: str
    image_url: str | None
    published: bool


def change_for(
    before: NoteShown, after: NoteShown, *, corrections: bool, retractions: bool
) -> ChangeKind | None:
    """What an edit of an announced post does to its notes already sent.

    A post that stops being public (`published: false`, `retracted: true`) is retracted: its
    notes are deleted. A public post whose title, excerpt, image or link changed is corrected:
    its notes are edited. Anything else (the body past the excerpt, the author) changes nothing.
    """
    if before.published and not after.published:
        return ChangeKind.DELETE if retractions else None
    if not after.published:
        return None
    shown = (after.title, after.excerpt, after.url, after.image_url)
    if shown != (before.title, before.excerpt, before.url, before.image_url):
        return ChangeKind.EDIT if corrections else None
    return None


@dataclass(frozen=True)
class ChangeJob:
    """A claimed change with what is needed to apply it.

    `note` is the delivery as the sender would render it now (the post's or broadcast's
    current content, the same buttons); `photo` is the photo the message shows, None for a
    text message.
    """

    id: int
    kind: ChangeKind
    attempts: int
    message_id: int
    photo: str | None
    note: DeliveryJob


@dataclass(frozen=True)
class ChangeOutcome:
    """What became of one change: done, refused, failed, or pending again (a retry).

    `photo` is the message's new photo after a media edit; `count` is False when Telegram only
    asked to slow down.
    """

    change_id: int
    state: ChangeState
    error: str | None = None
    not_before: datetime | None = None
    photo: str | None = None
    count: bool = True


@dataclass(frozen=True)
class ChangeCounts:
    """How far a set of changes has got: applied, refused by Telegram, failed, still to do."""

    done: int = 0
    refused: int = 0
    failed: int = 0
    remaining: int = 0

    @classmethod
    def of(cls, by_state: Mapping[ChangeState, int]) -> ChangeCounts:
        return cls(
            done=by_state.get(ChangeState.DONE, 0),
            refused=by_state.get(ChangeState.REFUSED, 0),
            failed=by_state.get(ChangeState.FAILED, 0),
            remaining=by_state.get(ChangeState.PENDING, 0) + by_state.get(ChangeState.SENDING, 0),
        )

    @property
    def total(self) -> int:
        return self.done + self.refused + self.failed + self.remaining
