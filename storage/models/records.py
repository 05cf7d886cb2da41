"""Bookkeeping models: the audit log, leases, the rate clock, key-value meta."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Double,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, BigId, UTCDateTime


class AuditEntry(Base):
    """An editorial action: who did what, and when."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # A Telegram user id; 0 for the command line.
    actor: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


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
