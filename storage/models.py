"""The database schema, as SQLAlchemy 2 declarative models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.domain.breaking import Priority
from bot.domain.filters import WORD_LIMIT
from bot.domain.schedules import DigestMode
from bot.domain.states import (
    LIVE_CHANGE_STATES,
    LIVE_DELIVERY_STATES,
    BroadcastState,
    ChangeState,
    ChatState,
    DeliveryState,
)

# The width of the columns holding a file path relative to CONTENT_DIR.
PATH_LIMIT = 1024

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite keeps no offset)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Chat(Base):
    """A chat that talked to the bot: private, group, supergroup or channel."""

    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(256), default="")
    # A ChatState: active gets notifications; stopped said /stop; blocked: Telegram said 403.
    status: Mapped[str] = mapped_column(String(16), default=ChatState.ACTIVE, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The language the bot speaks there (bot.domain.i18n.LANGUAGES); None: not known yet.
    language: Mapped[str | None] = mapped_column(String(8))


class Subscription(Base):
    """A chat (or one forum topic of it) follows a topic (a category or tag key, or "*")."""

    __tablename__ = "subscriptions"

    chat_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
    )
    # The forum topic (message_thread_id) its notes go to; 0: the chat itself (or General).
    thread_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, server_default="0")
    topic: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_subscriptions_topic_chat", "topic", "chat_id"),)


class ChatFilter(Base):
    """A keyword filter of a chat: an include word (only posts mentioning one) or an exclude word.

    Words are stored normalised (bot.domain.filters.normalise).
    """

    __tablename__ = "chat_filters"

    chat_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
    )
    word: Mapped[str] = mapped_column(String(WORD_LIMIT), primary_key=True)
    include: Mapped[bool] = mapped_column(Boolean)


class SourceFile(Base):
    """What the last scan saw of one file in the content folder."""

    __tablename__ = "source_files"

    path: Mapped[str] = mapped_column(String(PATH_LIMIT), primary_key=True)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)


class Post(Base):
    """A post read from the content folder, and whether it has been announced."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    path: Mapped[str] = mapped_column(String(PATH_LIMIT), unique=True)
    title: Mapped[str] = mapped_column(Text)
    date: Mapped[datetime] = mapped_column(UTCDateTime)
    url: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean)
    # False once the file is gone: a deleted post is never announced.
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    # A PostState: waiting to be due, announced (deliveries written) or skipped (public
    # before the first scan, or its link was already announced).
    state: Mapped[str] = mapped_column(String(16))
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a due post began to wait for its page to answer (WAIT_UNTIL_LIVE); kept after.
    live_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Breaking news (front matter or a BREAKING_TAGS tag): its rows are claimed first.
    breaking: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    __table_args__ = (Index("ix_posts_state_date", "state", "date"),)


class PostTopic(Base):
    """A category or tag of a post."""

    __tablename__ = "post_topics"

    post_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))


class PostWord(Base):
    """A normalised word of an announced post's title, excerpt or topics: what filters match."""

    __tablename__ = "post_words"

    post_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    word: Mapped[str] = mapped_column(String(WORD_LIMIT), primary_key=True)


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


class Channel(Base):
    """A channel an admin added: the bot posts notes there (its chat row has type channel)."""

    __tablename__ = "channels"

    chat_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
    )
    username: Mapped[str | None] = mapped_column(String(64))
    added_by: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set once the admins were told the bot lost its rights there; cleared when re-added.
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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


class AuditEntry(Base):
    """An editorial action: who did what, and when."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # A Telegram user id; 0 for the command line.
    actor: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


class ChatSettings(Base):
    """A chat's choices (bot.domain.schedules.ChatSettings), and when they next act.

    A chat without a row has the defaults. Times of day are minutes after local midnight in
    the chat's time zone; release_at, quiet_from and quiet_until are UTC moments worked out
    from them (bot.domain.schedules.timing), so the fan-out and the release job compare
    columns instead of computing time zones in SQL.
    """

    __tablename__ = "chat_settings"

    chat_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
    )
    # An IANA name; None: the TIMEZONE setting.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # A DigestMode.
    digest_mode: Mapped[str] = mapped_column(String(16), default=DigestMode.OFF)
    digest_minute: Mapped[int] = mapped_column(Integer, default=8 * 60)
    digest_weekday: Mapped[int] = mapped_column(Integer, default=0)
    quiet_start: Mapped[int | None] = mapped_column(Integer)
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    previews: Mapped[bool] = mapped_column(Boolean, default=True)
    # When the chat's held notes go out next; the current or next quiet window.
    release_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    quiet_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    quiet_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


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


class Lease(Base):
    """A named lease held by one process until it expires (the poller/scanner leader)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RateClock(Base):
    """Shared send schedule: the earliest time (epoch seconds) the next message may go."""

    __tablename__ = "rate_clock"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_free: Mapped[float] = mapped_column(Double)


class Meta(Base):
    """Small facts about the database, such as whether the first scan happened."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
