"""Queries on keyword filters (chat_filters) and the words of announced posts (post_words).

`allows` is the condition the fan-out (storage.outbox.queue_post) puts on each recipient: the
database applies every chat's filters in the one statement that queues a post.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, and_, case, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.domain.filters import MAX_FILTERS, Added, ChatFilters
from storage.engine import chunks
from storage.models import ChatFilter, PostWord


def allows(
    chat_id: ColumnElement[int] | InstrumentedAttribute[int], post_id: int
) -> ColumnElement[bool]:
    """True for a chat whose filters let post `post_id` through.

    (No include word, or an include word among the post's words) and no exclude word among
    them. Spelled as "not one of the chats the post's words turn away": one pass over the
    filters, grouped by chat, whatever the number of recipients.
    """
    return chat_id.not_in(turned_away(post_id))


def turned_away(post_id: int) -> Select[int]:
    """The chats whose filters refuse post `post_id`: an exclude word in it, or include words
    and none of them in it."""
    hit = ChatFilter.word.in_(select(PostWord.word).where(PostWord.post_id == post_id))

    def some(condition: ColumnElement[bool]) -> ColumnElement[bool]:
        return func.max(case((condition, 1), else_=0)) == 1

    include, exclude = ChatFilter.include.is_(True), ChatFilter.include.is_(False)
    return (
        select(ChatFilter.chat_id)
        .group_by(ChatFilter.chat_id)
        .having(or_(some(and_(exclude, hit)), and_(some(include), ~some(and_(include, hit)))))
    )


async def record_post_words(session: AsyncSession, post_id: int, words: Iterable[str]) -> None:
    """Store the words of a post being announced (replacing any it had)."""
    await session.execute(delete(PostWord).where(PostWord.post_id == post_id))
    rows = [{"post_id": post_id, "word": word} for word in sorted(words)]
    for chunk in chunks(rows):
        await session.execute(insert(PostWord), chunk)


async def of_chat(session: AsyncSession, chat_id: int) -> ChatFilters:
    """The chat's filter words."""
    rows = await session.execute(
        select(ChatFilter.word, ChatFilter.include)
        .where(ChatFilter.chat_id == chat_id)
        .order_by(ChatFilter.word)
    )
    include: list[str] = []
    exclude: list[str] = []
    for word, is_include in rows:
        (include if is_include else exclude).append(word)
    return ChatFilters(tuple(include), tuple(exclude))


async def add(session: AsyncSession, chat_id: int, word: str, include: bool) -> Added:
    """Give the chat a filter word (the chat must exist), at most MAX_FILTERS in all."""
    row = await session.get(ChatFilter, (chat_id, word))
    if row is not None:
        if row.include == include:
            return Added.ALREADY
        row.include = include
        return Added.SWITCHED
    count = await session.scalar(
        select(func.count()).select_from(ChatFilter).where(ChatFilter.chat_id == chat_id)
    )
    if int(count or 0) >= MAX_FILTERS:
        return Added.FULL
    session.add(ChatFilter(chat_id=chat_id, word=word, include=include))
    await session.flush()
    return Added.ADDED


async def remove(session: AsyncSession, chat_id: int, word: str) -> bool:
    """Drop one filter word; False if the chat had no such word."""
    result = await session.execute(
        delete(ChatFilter).where(ChatFilter.chat_id == chat_id, ChatFilter.word == word)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def clear(session: AsyncSession, chat_id: int) -> int:
    """Drop every filter word of the chat; returns how many it had."""
    result = await session.execute(delete(ChatFilter).where(ChatFilter.chat_id == chat_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def copy(session: AsyncSession, old_id: int, new_id: int) -> None:
    """Give chat `new_id` the filters of chat `old_id` it does not have (a group migrated)."""
    theirs = await of_chat(session, old_id)
    mine = await of_chat(session, new_id)
    have = {*mine.include, *mine.exclude}
    room = MAX_FILTERS - len(mine)
    wanted = [(w, True) for w in theirs.include] + [(w, False) for w in theirs.exclude]
    for word, include in [(w, i) for w, i in wanted if w not in have][: max(room, 0)]:
        session.add(ChatFilter(chat_id=new_id, word=word, include=include))
