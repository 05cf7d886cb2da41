"""Channels in the fake: the bot's rights in each, and Telegram's refusals where it may not post.

A test sets a channel up with `add_channel` (a username, the bot an administrator allowed to
post, by default) and takes rights away with `set_bot_rights`. getChatMember then answers with
those rights, and sends to the channel are refused as Telegram refuses them: 403 when the bot
is not a member (or an administrator) there, 400 when it is an administrator without
`can_post_messages`.
"""

from __future__ import annotations

from tests.support.fake_telegram.records import JSON, ApiError
from tests.support.fake_telegram.state import BotApiState

CHANNEL_RIGHTS = ("can_post_messages", "can_edit_messages", "can_delete_messages")


class ChannelWorld(BotApiState):
    """The channels a test made, and the bot's place in them."""

    def add_channel(
        self,
        chat_id: int,
        username: str | None = None,
        *,
        title: str | None = None,
        status: str = "administrator",
        can_post_messages: bool = True,
    ) -> JSON:
        """A channel the fake knows (getChat, @username), with the bot's status and rights."""
        chat: JSON = {"id": chat_id, "type": "channel", "title": title or f"Channel {chat_id}"}
        if username:
            chat["username"] = username
        self.chats[chat_id] = chat
        self.set_bot_rights(chat_id, status=status, can_post_messages=can_post_messages)
        return chat

    def set_bot_rights(
        self, chat_id: int, *, status: str = "administrator", can_post_messages: bool = True
    ) -> None:
        """The bot's status in a channel and whether it may post there (edit, delete alike)."""
        self.chat_members[chat_id, int(self.bot_user["id"])] = status
        self.channel_rights[chat_id] = dict.fromkeys(CHANNEL_RIGHTS, can_post_messages)


def member_rights(state: BotApiState, chat_id: int, user_id: int, status: str) -> JSON:
    """The channel rights of an administrator in getChatMember (nothing for anyone else)."""
    if status != "administrator" or user_id != state.bot_user["id"]:
        return {}
    return dict(state.channel_rights.get(chat_id, {}))


def check_channel_post(state: BotApiState, chat_id: int) -> None:
    """Refuse a post, edit or deletion in a channel where the bot may not make it."""
    if state.chat(chat_id)["type"] != "channel":
        return
    status = state.chat_members.get((chat_id, int(state.bot_user["id"])), "left")
    if status not in {"administrator", "creator"}:
        raise ApiError(403, "Forbidden: bot is not a member of the channel chat", deliberate=True)
    if status == "administrator" and not state.channel_rights.get(chat_id, {}).get(
        "can_post_messages"
    ):
        raise ApiError(
            400, "Bad Request: need administrator rights in the channel chat", deliberate=True
        )
