"""The outbox's vocabulary: a claimed delivery, and what became of its send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.schedules import HeldPost, SummaryKind
from bot.domain.topics import TopicInfo


@dataclass(frozen=True)
class DeliveryJob:
    """A claimed outbox row with everything needed to render and send it."""

    id: int
    chat_id: int
    attempts: int
    post_id: int | None
    broadcast_id: int | None
    # Post deliveries:
    title: str = ""
    excerpt: str = ""
    url: str = ""
    image_url: str | None = None
    topics: tuple[TopicInfo, ...] = ()
    breaking: bool = False
    in_channel: bool = False  # a channel's note carries no unsubscribe button
    # Broadcast deliveries:
    html: str = ""
    # Summaries of held posts (digests, the end of quiet hours):
    summary: SummaryKind | None = None
    items: tuple[HeldPost, ...] = ()
    # The chat's choices at the time of the claim: inside its quiet hours (send without a
    # sound), and whether text messages show a link preview.
    silent: bool = False
    previews: bool = True
    # The chat's language for the bot's own words (buttons, labels); None: English.
    language: str | None = None
    # The forum topic it goes to (message_thread_id); 0: the chat itself.
    thread_id: int = 0


@dataclass(frozen=True)
class Sent:
    """Telegram accepted the message."""

    delivery_id: int
    message_id: int
    # The photo the message shows (its URL as sent); None for a text message. An edit of the
    # note later needs to know which of the two it is.
    photo: str | None = None


@dataclass(frozen=True)
class Retry:
    """Send again later; `count` is False when Telegram only asked us to slow down."""

    delivery_id: int
    not_before: datetime
    error: str
    count: bool = True


@dataclass(frozen=True)
class Failed:
    """Give up on this row: a permanent error, or too many attempts."""

    delivery_id: int
    error: str


Outcome = Sent | Retry | Failed
