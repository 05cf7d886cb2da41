"""The catalogue's models: the files a scan saw, the posts, their topics and words."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain.filters import WORD_LIMIT
from storage.models.base import PATH_LIMIT, Base, BigId, UTCDateTime


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
