"""The numbers /stats shows, counted in one session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.states import ChatState, DeliveryState
from bot.domain.stats import Stats
from bot.domain.topics import TopicFollowers
from storage import changes
from storage.catalogue import public_names
from storage.models import Chat, Delivery, Subscription


async def stats(session: AsyncSession, now: datetime | None) -> Stats:
    """Chats and deliveries by state, and followers per topic (named as public posts name it)."""
    chats = {
        ChatState(status): int(n)
        for status, n in await session.execute(
            select(Chat.status, func.count()).group_by(Chat.status)
        )
    }
    names = public_names(now)
    subs = await session.execute(
        select(
            Subscription.topic,
            func.min(names.c.name),
            func.count(func.distinct(Subscription.chat_id)),
        )
        .outerjoin(names, names.c.topic == Subscription.topic)
        .group_by(Subscription.topic)
    )
    topics = [TopicFollowers(key, name or key, int(n)) for key, name, n in subs]
    deliveries = {
        DeliveryState(status): int(n)
        for status, n in await session.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status)
        )
    }
    topics.sort(key=lambda t: (-t.chats, t.name.casefold()))
    return Stats(
        chats=chats,
        subscriptions=topics,
        deliveries=deliveries,
        changes=await changes.counts(session),
    )
