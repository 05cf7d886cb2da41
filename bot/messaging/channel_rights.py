"""Asking Telegram whether the bot may post in a channel (used by /channel and the CLI)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Bot, ChatMemberAdministrator
from telegram.error import BadRequest, Forbidden

from bot.domain.channel_texts import cannot_post, channel_not_found
from bot.domain.channels import MissingRight, missing_right


@dataclass(frozen=True)
class PostableChannel:
    """A channel where the bot is an administrator allowed to post."""

    chat_id: int
    title: str
    username: str | None


class CannotPost(Exception):
    """The bot may not post in the channel; the message (HTML) says exactly why."""


async def check_channel(bot: Bot, target: str | int) -> PostableChannel:
    """getChat, then getChatMember for the bot itself: CannotPost unless it may post there."""
    try:
        chat = await bot.get_chat(target)
    except (BadRequest, Forbidden) as exc:
        raise CannotPost(channel_not_found(str(target), exc.message)) from None
    name = f"@{chat.username}" if chat.username else chat.title or str(chat.id)
    try:
        member = await bot.get_chat_member(chat.id, bot.id)
    except (BadRequest, Forbidden):
        raise CannotPost(cannot_post(name, MissingRight.NOT_ADMIN)) from None
    can_post = member.can_post_messages if isinstance(member, ChatMemberAdministrator) else None
    missing = missing_right(chat.type, member.status, can_post)
    if missing is not None:
        raise CannotPost(cannot_post(name, missing))
    return PostableChannel(chat.id, chat.title or "", chat.username)
