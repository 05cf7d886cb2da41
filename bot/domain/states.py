"""The four state machines newsbot keeps in its database, as string enums.

The values are the strings stored in the database's state columns: renaming a member is free,
changing a value needs a migration.
"""

from __future__ import annotations

from enum import StrEnum


class DeliveryState(StrEnum):
    """One outbox row: pending -> sending (leased) -> sent | failed | dead.

    A sender claims a pending row by leasing it (sending); a retry puts it back to pending,
    and so does a clean shutdown; a lease that runs out lets another sender claim it again.
    A stopped, blocked or migrated chat turns its pending and sending rows dead.
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # a permanent error, or too many attempts
    DEAD = "dead"  # the chat blocked or stopped the bot, or moved


# Rows still to be sent: what a claim takes, what /stop cancels, what the outbox counts.
LIVE_DELIVERY_STATES = (DeliveryState.PENDING, DeliveryState.SENDING)


class ChatState(StrEnum):
    """A chat that talked to the bot: active <-> stopped, active <-> blocked.

    /stop makes a chat stopped, Telegram's 403 makes it blocked; /start (or a subscription)
    makes either active again. Only active chats get notifications.
    """

    ACTIVE = "active"
    STOPPED = "stopped"
    BLOCKED = "blocked"


class BroadcastState(StrEnum):
    """An admin's broadcast: draft -> sending -> done, or draft -> cancelled.

    A broadcast with a start time goes draft -> scheduled on Send, then scheduled -> sending
    when its time comes (once: a conditional update in the transaction that queues it), or
    scheduled -> cancelled.
    """

    DRAFT = "draft"  # previewed, nothing queued
    SCHEDULED = "scheduled"  # confirmed, waiting for its time: nothing queued yet
    SENDING = "sending"  # confirmed: its deliveries are queued
    DONE = "done"  # every delivery settled and the progress report final
    CANCELLED = "cancelled"


class PostState(StrEnum):
    """A post of the catalogue: waiting -> announced, or waiting -> skipped (or skipped at once).

    A post is recorded waiting until it is due; then it is announced (its deliveries written)
    or skipped (its link was already announced). A post already public at the first scan is
    recorded skipped: history, not news. With WAIT_UNTIL_LIVE, a due post goes waiting ->
    waiting_live -> announced: its deliveries are written once its page answers (or the wait
    times out); its link counts as taken from the moment it waits.
    """

    WAITING = "waiting"
    ANNOUNCED = "announced"
    SKIPPED = "skipped"
    WAITING_LIVE = "waiting_live"  # due, waiting for its page to answer (WAIT_UNTIL_LIVE)
