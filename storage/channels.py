"""Queries on the channels the admins added; each takes the caller's session.

A channel is a chat (type channel) with a row in `channels` and subscriptions like any chat's;
ALL_TOPICS ("*") follows every topic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.channels import ChannelInfo
from bot.domain.states import ChatState
from storage import chats
from storage.engine import chunks
from storage.models import Channel, Chat, Subscription


async def save(
    session: AsyncSession,
    chat_id: int,
    title: str,
    username: str | None,
    topics: Sequence[str],
    admin_id: int,
    now: datetime,
) -> None:
    """Add (or re-add) a channel, active, following exactly `topics`; its loss unreported."""
    await chats.activate(session, chat_id, "channel", title, now)
    await session.flush()
    row = await session.get(Channel, chat_id)
    if row is None:
        session.add(
            Channel(
                chat_id=chat_id,
                username=username[:64] if username else None,
                added_by=admin_id,
                added_at=now,
            )
        )
    else:
        row.username, row.added_by, row.added_at = username, admin_id, now
        row.reported_at = None
    await chats.forget_subscriptions(session, chat_id)
    if topics:
        await session.execute(
            insert(Subscription),
            [
                {"chat_id": chat_id, "topic": key, "created_at": now}
                for key in dict.fromkeys(topics)
            ],
        )


async def find(session: AsyncSession, target: str | int) -> int | None:
    """The chat id of the listed channel `target` names (@username, any case, or its id)."""
    if isinstance(target, int):
        query = select(Channel.chat_id).where(Channel.chat_id == target)
    else:
        name = target.removeprefix("@").casefold()
        query = select(Channel.chat_id).where(func.lower(Channel.username) == name)
    return await session.scalar(query)


async def listing(session: AsyncSession, ids: Iterable[int] | None = None) -> list[ChannelInfo]:
    """The channels (all, or those of `ids`), with what each follows, by name."""
    query = select(Channel.chat_id, Channel.username, Chat.title, Chat.status).join(
        Chat, Chat.id == Channel.chat_id
    )
    if ids is not None:
        query = query.where(Channel.chat_id.in_(list(ids)))
    rows = (await session.execute(query)).all()
    topics: dict[int, list[str]] = defaultdict(list)
    found = await session.execute(
        select(Subscription.chat_id, Subscription.topic)
        .where(Subscription.chat_id.in_([row.chat_id for row in rows]))
        .order_by(Subscription.topic)
    )
    for chat_id, topic in found:
        topics[chat_id].append(topic)
    channels = [
        ChannelInfo(
            row.chat_id, row.title, row.username, ChatState(row.status), tuple(topics[row.chat_id])
        )
        for row in rows
    ]
    return sorted(channels, key=lambda c: c.name.casefold())


async def claim_lost(session: AsyncSession, now: datetime) -> list[int]:
    """Channels Telegram refused (blocked) not yet reported: marked reported, returned once."""
    blocked = select(Chat.id).where(Chat.status == ChatState.BLOCKED, Chat.type == "channel")
    result = await session.scalars(
        update(Channel)
        .where(Channel.reported_at.is_(None), Channel.chat_id.in_(blocked))
        .values(reported_at=now)
        .returning(Channel.chat_id)
    )
    return list(result)


async def channel_ids(session: AsyncSession, chat_ids: Iterable[int]) -> set[int]:
    """Those of `chat_ids` that are channels (only negative ids can be)."""
    candidates = sorted({chat_id for chat_id in chat_ids if chat_id < 0})
    found: set[int] = set()
    for chunk in chunks(candidates):
        found.update(
            await session.scalars(select(Chat.id).where(Chat.id.in_(chunk), Chat.type == "channel"))
        )
    return found


async def remove(session: AsyncSession, chat_id: int) -> None:
    """Forget the channel: its chat row and subscriptions (its live rows: outbox.kill_live)."""
    await session.execute(delete(Channel).where(Channel.chat_id == chat_id))
    await chats.forget_subscriptions(session, chat_id)
    await chats.remove(session, chat_id)
