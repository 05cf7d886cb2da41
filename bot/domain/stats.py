"""The numbers /stats and `newsbot stats` show."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.states import ChangeKind, ChangeState, ChatState, DeliveryState
from bot.domain.topics import TopicFollowers


@dataclass(frozen=True)
class Stats:
    """The numbers /stats shows."""

    chats: dict[ChatState, int]
    subscriptions: list[TopicFollowers]
    deliveries: dict[DeliveryState, int]
    # Edits and deletions of notes already sent (corrections, retractions, broadcast edits and
    # recalls), by kind and state.
    changes: dict[tuple[ChangeKind, ChangeState], int] = field(default_factory=dict)
