"""The outbox's models: broadcasts, deliveries, changes of sent notes, held items."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain.breaking import Priority
from bot.domain.states import (
    LIVE_CHANGE_STATES,
    LIVE_DELIVERY_STATES,
    BroadcastState,
    ChangeState,
    DeliveryState,
)
from storage.models.base import Base, BigId, UTCDateTime


class Broadcast(Base):
    """An admin's message to every active chat, or to one topic's subscribers."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    html: Mapped[str] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(String(200))
    admin_id: Mapped[int] = mapped_column(BigInteger)
    # Where the preview (and then the progress report) lives; none for the shell.
    preview_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    preview_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # A BroadcastState: draft -> sending -> done, or draft -> cancelled.
    state: Mapped[str] = mapped_column(String(16), default=BroadcastState.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A Telegram file_id or an http(s) URL: the broadcast goes as a photo with its caption.
    photo: Mapped[str | None] = mapped_column(Text)
    # When a scheduled broadcast starts (draft -> scheduled -> sending at this time).
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # A ChangeKind while an edit or a recall of the copies sent goes out (its progress is in the
    # report); none otherwise.
    change: Mapped[str | None] = mapped_column(String(16))
    change_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the admin pressed Edit: their next plain message in that chat, within a few
    # minutes, is the new text.
    edit_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# The live rows' predicate, as SQL text: the migration that made the index spells it so too.
_LIVE = f"status IN ({', '.join(repr(state.value) for state in LIVE_DELIVERY_STATES)})"
# The same predicate for queries that must use that index: as literal SQL, since a planner
# cannot match an index's predicate against bound parameters.
LIVE_ROWS = text(_LIVE)


_SUMMARY = "period IS NOT NULL"


class Delivery(Base):
    """One message to one chat: the outbox row, written before anything is sent."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # The forum topic it goes to (message_thread_id); 0: the chat itself (or General).
    thread_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    post_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("posts.id", ondelete="CASCADE"))
    broadcast_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("broadcasts.id", ondelete="CASCADE")
    )
    # The subscribed topic keys that matched, a JSON list (empty for broadcasts): a key may
    # hold any character, commas included.
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A DeliveryState: pending -> sending (leased) -> sent | failed | dead.
    status: Mapped[str] = mapped_column(String(16), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A bot.domain.breaking.Priority: claims take the lowest first (breaking news), then by id.
    priority: Mapped[int] = mapped_column(
        SmallInteger, default=Priority.REGULAR.value, server_default=text("1")
    )
    # The photo the sent message shows (a URL), none for a text message: an edit of a photo's
    # caption is another method than an edit of a text.
    photo: Mapped[str | None] = mapped_column(Text)
    # Summaries of held notes (a digest, the end of quiet hours): a SummaryKind, and the
    # moment they are for; one per chat and moment, whoever makes it. None for other rows.
    summary: Mapped[str | None] = mapped_column(String(16))
    period: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("post_id", "chat_id", "thread_id", name="uq_deliveries_post_chat"),
        # Only summaries have a period: the other rows cost this index nothing.
        Index(
            "uq_deliveries_chat_period",
            "chat_id",
            "period",
            unique=True,
            postgresql_where=text(_SUMMARY),
            sqlite_where=text(_SUMMARY),
        ),
        UniqueConstraint("broadcast_id", "chat_id", name="uq_deliveries_broadcast_chat"),
        # Claims take live rows by priority, then in id order: an index of only those rows
        # finds them without sorting the whole backlog, and stays small as history grows.
        Index(
            "ix_deliveries_live",
            "priority",
            "id",
            postgresql_where=text(_LIVE),
            sqlite_where=text(_LIVE),
        ),
        Index("ix_deliveries_chat_sent", "chat_id", "sent_at"),
    )


_LIVE_CHANGE = f"status IN ({', '.join(repr(state.value) for state in LIVE_CHANGE_STATES)})"


class NoteChange(Base):
    """An edit or a deletion of one sent note: an outbox row of its own, claimed under a lease.

    A table apart from deliveries: a note may be corrected several times, then retracted, and
    each change has its own lease, attempts and outcome, while the delivery keeps its meaning
    (sent, with the message id). `done_at` with `kind` says when the note was edited or deleted.
    """

    __tablename__ = "note_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    # A ChangeKind: edit or delete.
    kind: Mapped[str] = mapped_column(String(16))
    # A ChangeState: pending -> sending (leased) -> done | refused | failed.
    status: Mapped[str] = mapped_column(String(16), default=ChangeState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index(
            "ix_note_changes_live",
            "id",
            postgresql_where=text(_LIVE_CHANGE),
            sqlite_where=text(_LIVE_CHANGE),
        ),
    )


class HeldItem(Base):
    """A post held for a chat (digest, quiet hours) until its chat's summary of `period`.

    `period` is the chat's release_at when the post was held: the summary delivery of that
    (chat, period) lists it, so releasing writes the summary rows and touches no item.
    """

    __tablename__ = "held_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE")
    )
    post_id: Mapped[int] = mapped_column(BigId, ForeignKey("posts.id", ondelete="CASCADE"))
    # The subscribed topic keys that matched, as in deliveries.topics.
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    period: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("post_id", "chat_id", name="uq_held_items_post_chat"),
        Index("ix_held_items_chat_period", "chat_id", "period"),
    )
