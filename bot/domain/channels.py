"""Channels the site's admins add: the command's arguments, a channel as the store keeps it,
and what the bot needs to be allowed to post there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.states import ChatState

# The subscription key that follows every topic (`/channel add @name all`, `/subscribe all`).
ALL_TOPICS = "*"
_USERNAME = re.compile(r"@?(?P<name>[A-Za-z][A-Za-z0-9_]{3,31})")
_CHANNEL_ID = re.compile(r"-100[0-9]{1,16}")
MAX_CHANNEL_ID = 2**63 - 1


class ChannelAction(StrEnum):
    ADD = "add"
    REMOVE = "remove"


@dataclass(frozen=True)
class ChannelArgs:
    """What follows /channel: add or remove, the channel, and (for add) its topics."""

    action: ChannelAction | None
    target: str | int | None  # "@name" or a -100… chat id
    topics: str  # the rest, as typed ("all", "news sport", or "")

    @property
    def follows_all(self) -> bool:
        return self.topics.strip().casefold() in {"", "all", ALL_TOPICS}


def parse_target(word: str) -> str | int | None:
    """`@name` (or `name`), or a channel id `-100…`; None for anything else."""
    if _CHANNEL_ID.fullmatch(word):
        number = int(word)
        return number if -number <= MAX_CHANNEL_ID else None
    if match := _USERNAME.fullmatch(word):
        return f"@{match['name']}"
    return None


def parse_channel(args: list[str]) -> ChannelArgs:
    """Total: `add TARGET [TOPIC … | all]`, `remove TARGET`; any words give a ChannelArgs."""
    if not args:
        return ChannelArgs(None, None, "")
    try:
        action: ChannelAction | None = ChannelAction(args[0].casefold())
    except ValueError:
        action = None
    target = parse_target(args[1]) if len(args) > 1 else None
    return ChannelArgs(action, target, " ".join(args[2:]))


@dataclass(frozen=True)
class ChannelInfo:
    """A channel the bot posts to, and what it follows."""

    chat_id: int
    title: str
    username: str | None
    status: ChatState
    topics: tuple[str, ...]  # topic keys; ALL_TOPICS for everything

    @property
    def name(self) -> str:
        """How the admins know it: @username, else its title, else its id."""
        if self.username:
            return f"@{self.username}"
        return self.title or str(self.chat_id)


class MissingRight(StrEnum):
    """What the bot lacks to post in a channel."""

    NOT_A_CHANNEL = "not a channel"
    NOT_ADMIN = "not an administrator"
    CANNOT_POST = "may not post messages"


def missing_right(chat_type: str, member_status: str, can_post: bool | None) -> MissingRight | None:
    """What stops the bot from posting: None when it is an administrator allowed to post."""
    if chat_type != "channel":
        return MissingRight.NOT_A_CHANNEL
    if member_status == "creator":
        return None
    if member_status != "administrator":
        return MissingRight.NOT_ADMIN
    return None if can_post else MissingRight.CANNOT_POST
