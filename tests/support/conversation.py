"""Talking to the running bot through the fake Bot API, and reading what it sent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from storage.store import Store
from tests.support.fake_telegram import FakeTelegram, SentMessage

ALICE, BOB, CAROL = 1001, 1002, 1003
GROUP = -1000000000042  # a supergroup id: beyond 32 bits


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    """Wait until the async `check()` is true."""
    async with asyncio.timeout(seconds):
        while not await check():
            await asyncio.sleep(0.05)


async def first_scan_done(store: Store) -> None:
    """Wait until the bot's first scan has recorded the topics of the posts already there."""

    async def seed_recorded() -> bool:
        return bool(await store.topics())

    await eventually(seed_recorded)


async def say(fake: FakeTelegram, text: str, chat_id: int, **kwargs: object) -> str:
    """Send a command as a user and return the bot's reply (the next message to that chat)."""
    before = len(fake.messages_to(chat_id))
    fake.command(text, chat_id=chat_id, **kwargs)  # type: ignore[arg-type]
    await fake.wait_for(lambda: len(fake.messages_to(chat_id)) > before, 10)
    reply = fake.messages_to(chat_id)[before].text
    assert reply is not None
    return reply


def titles(fake: FakeTelegram, chat_id: int) -> list[str]:
    """The notifications a chat got, by title (the bold first line)."""
    found = []
    for message in fake.messages_to(chat_id):
        text = message.text or ""
        if text.startswith("<b>"):
            found.append(text[3 : text.index("</b>")])
    return found


def buttons(message: SentMessage) -> list[dict[str, str]]:
    """The inline keyboard buttons of a message, row after row."""
    assert message.reply_markup is not None
    return [b for row in message.reply_markup["inline_keyboard"] for b in row]
