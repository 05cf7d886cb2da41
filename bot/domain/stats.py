"""The numbers /stats and `newsbot stats` show."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.topics import TopicFollowers


@dataclass(frozen=True)
class Stats:
    """The numbers /stats shows."""

    chats: dict[str, int]
    subscriptions: list[TopicFollowers]
    deliveries: dict[str, int]
