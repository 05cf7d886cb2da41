"""Queries on chats and their subscriptions; each takes the caller's session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.states import ChatState
from bot.domain.topics import TopicInfo
from storage.catalogue import public_names
from storage.models import Chat, Subscription


async def activate(
    session: AsyncSession, chat_id: int, chat_type: str, title: str, now: datetime
) -> bool:
    """Make the chat active (new, stopped or blocked); True if it was not active before."""
    chat = await session.get(Chat, chat_id)
    if chat is None:
        session.add(
            Chat(
                id=chat_id,
                type=chat_type,
                title=title[:256],
                status=ChatState.ACTIVE,
                created_at=now,
                updated_at=now,
            )
        )
        return True
    was_active = chat.status == ChatState.ACTIVE
    chat.status, chat.type, chat.title, chat.updated_at = (
        ChatState.ACTIVE,
        chat_type,
        title[:256],
        now,
    )
    return not was_active


async def ensure(
    session: AsyncSession, chat_id: int, chat_type: str, title: str, now: datetime
) -> None:
    """Register the chat if the bot never has; a known chat keeps its state."""
    if await session.get(Chat, chat_id) is None:
        await activate(session, chat_id, chat_type, title, now)
        await session.flush()


async def state(session: AsyncSession, chat_id: int) -> ChatState | None:
    """The chat's state; None for a chat the bot never registered."""
    status = await session.scalar(select(Chat.status).where(Chat.id == chat_id))
    return None if status is None else ChatState(status)


async def set_state(session: AsyncSession, chat_id: int, status: ChatState, now: datetime) -> None:
    await session.execute(
        update(Chat).where(Chat.id == chat_id).values(status=status, updated_at=now)
    )


async def forget_subscriptions(session: AsyncSession, chat_id: int) -> int:
    """Delete every subscription of the chat; returns how many it had."""
    removed = await session.execute(delete(Subscription).where(Subscription.chat_id == chat_id))
    return int(removed.rowcount)  # type: ignore[attr-defined]


async def move(session: AsyncSession, old_id: int, new_id: int, now: datetime) -> bool:
    """Make `new_id` (a supergroup) a copy of chat `old_id` with its subscriptions.

    False if there is no chat `old_id`. A chat `new_id` that exists keeps its state and gets
    the old chat's subscriptions besides its own. The old chat stays: see `remove`.
    """
    old = await session.get(Chat, old_id)
    if old is None:
        return False
    if await session.get(Chat, new_id) is None:
        session.add(
            Chat(
                id=new_id,
                type="supergroup",
                title=old.title,
                status=old.status,
                created_at=old.created_at,
                updated_at=now,
                language=old.language,
            )
        )
        await session.flush()
    topics = select(Subscription.thread_id, Subscription.topic).where(
        Subscription.chat_id == old_id
    )
    for thread_id, topic in (await session.execute(topics)).all():
        await session.merge(
            Subscription(chat_id=new_id, thread_id=thread_id, topic=topic, created_at=now)
        )
    return True


async def remove(session: AsyncSession, chat_id: int) -> None:
    """Delete the chat (its subscriptions go with it)."""
    await session.execute(delete(Chat).where(Chat.id == chat_id))


async def subscribe(
    session: AsyncSession, chat_id: int, topic: str, now: datetime, thread: int = 0
) -> bool:
    """Follow a topic in the chat (the chat must exist) or one forum topic of it; False if it
    already did."""
    exists = await session.get(Subscription, (chat_id, thread, topic))
    if exists is not None:
        return False
    session.add(Subscription(chat_id=chat_id, thread_id=thread, topic=topic, created_at=now))
    return True


async def unsubscribe(session: AsyncSession, chat_id: int, topic: str, thread: int = 0) -> bool:
    """Stop following a topic; False if the chat (or forum topic) did not follow it."""
    result = await session.execute(
        delete(Subscription).where(
            Subscription.chat_id == chat_id,
            Subscription.thread_id == thread,
            Subscription.topic == topic,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def forget_thread(session: AsyncSession, chat_id: int, thread: int) -> int:
    """Delete the subscriptions of one forum topic of the chat; returns how many it had."""
    removed = await session.execute(
        delete(Subscription).where(
            Subscription.chat_id == chat_id, Subscription.thread_id == thread
        )
    )
    return int(removed.rowcount)  # type: ignore[attr-defined]


async def subscriptions(
    session: AsyncSession, chat_id: int, now: datetime | None, thread: int = 0
) -> list[TopicInfo]:
    """The topics a chat (or one forum topic of it) follows, by name (as public posts spell
    it, else its key)."""
    names = public_names(now)
    rows = await session.execute(
        select(Subscription.topic, names.c.name)
        .outerjoin(names, names.c.topic == Subscription.topic)
        .where(Subscription.chat_id == chat_id, Subscription.thread_id == thread)
    )
    topics = [TopicInfo(key, name or key) for key, name in rows]
    return sorted(topics, key=lambda t: t.name.casefold())


def audience(topic: str | None) -> Select[Any]:
    """The ids of the active chats following `topic`, or of every active chat for None."""
    chats = select(Chat.id).where(Chat.status == ChatState.ACTIVE)
    if topic is not None:
        chats = chats.join(Subscription, Subscription.chat_id == Chat.id).where(
            Subscription.topic == topic
        )
    return chats


async def audience_size(session: AsyncSession, topic: str | None) -> int:
    """How many chats `audience(topic)` holds now."""
    count = await session.scalar(select(func.count()).select_from(audience(topic).subquery()))
    return int(count or 0)


async def language(session: AsyncSession, chat_id: int, default: str | None) -> str | None:
    """The chat's language; a chat that has none takes `default`, stored.

    None for a chat the bot does not know, or one with no language when `default` is None.
    """
    rows = await session.execute(select(Chat.language).where(Chat.id == chat_id))
    row = rows.first()
    if row is None:
        return None
    stored: str | None = row.language
    if stored is None and default is not None:
        await session.execute(
            update(Chat).where(Chat.id == chat_id, Chat.language.is_(None)).values(language=default)
        )
        return default
    return stored


async def set_language(
    session: AsyncSession, chat_id: int, chat_type: str, title: str, code: str, now: datetime
) -> None:
    """Speak `code` in the chat from now on; a chat the bot did not know is registered."""
    chat = await session.get(Chat, chat_id)
    if chat is None:
        await activate(session, chat_id, chat_type, title, now)
        await session.flush()
        chat = await session.get(Chat, chat_id)
        assert chat is not None
    chat.language, chat.updated_at = code, now


async def languages(session: AsyncSession, chat_ids: set[int]) -> dict[int, str]:
    """The language of each of these chats that has one."""
    if not chat_ids:
        return {}
    rows = await session.execute(
        select(Chat.id, Chat.language).where(Chat.id.in_(chat_ids), Chat.language.is_not(None))
    )
    return {chat_id: code for chat_id, code in rows if code is not None}
