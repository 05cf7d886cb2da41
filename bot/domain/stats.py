"""The numbers /stats and `newsbot stats` show."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.states import ChatState, DeliveryState
from bot.domain.topics import TopicFollowers


@dataclass(frozen=True)
class Stats:
    """The numbers /stats shows."""

    chats: dict[ChatState, int]
    subscriptions: list[TopicFollowers]
    deliveries: dict[DeliveryState, int]
