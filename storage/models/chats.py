"""The chats' models: chats, their subscriptions, filters, settings, and the channels added."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain.filters import WORD_LIMIT
from bot.domain.schedules import DigestMode
from bot.domain.states import (
    ChatState,
)
from storage.models.base import Base, UTCDateTime


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
