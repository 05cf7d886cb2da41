"""The database schema, as SQLAlchemy 2 declarative models: every model is imported here, so
`Base.metadata` (Alembic's autogenerate, the schema tests) sees them all."""

from storage.models.base import PATH_LIMIT, Base, BigId, UTCDateTime
from storage.models.catalogue import Post, PostTopic, PostWord, SourceFile
from storage.models.chats import Channel, Chat, ChatFilter, ChatSettings, Subscription
from storage.models.outbox import LIVE_ROWS, Broadcast, Delivery, HeldItem, NoteChange
from storage.models.records import AuditEntry, Lease, Meta, RateClock

__all__ = [
    "LIVE_ROWS",
    "PATH_LIMIT",
    "AuditEntry",
    "Base",
    "BigId",
    "Broadcast",
    "Channel",
    "Chat",
    "ChatFilter",
    "ChatSettings",
    "Delivery",
    "HeldItem",
    "Lease",
    "Meta",
    "NoteChange",
    "Post",
    "PostTopic",
    "PostWord",
    "RateClock",
    "SourceFile",
    "Subscription",
    "UTCDateTime",
]
