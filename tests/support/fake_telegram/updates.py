"""Builders of incoming updates: users, chats, commands, text, button presses, migrations.

Each builds what Telegram would send the bot and queues it for getUpdates (enqueue=False: only
build it).
"""

from __future__ import annotations

import re
import time

from tests.support.fake_telegram.forums import ForumTopics
from tests.support.fake_telegram.html import utf16_len
from tests.support.fake_telegram.records import JSON, SentMessage

GROUP_USER_ID = 424242  # who speaks in a group when a test names no user
ANONYMOUS_ADMIN = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}


def human_user(user_id: int, language_code: str = "en") -> JSON:
    """A human User object."""
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": f"User {user_id}",
        "username": f"user{user_id}",
        "language_code": language_code,
    }


_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
)
_RESTRICTED_RIGHTS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)


def chat_member(status: str, user: JSON) -> JSON:
    """A ChatMember object with every field PTB requires for its status."""
    member: JSON = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            {"can_be_edited": False, "is_anonymous": False}, **dict.fromkeys(_ADMIN_RIGHTS, True)
        )
    elif status == "restricted":
        member.update(
            {"is_member": True, "until_date": 0}, **dict.fromkeys(_RESTRICTED_RIGHTS, False)
        )
    elif status == "kicked":
        member["until_date"] = 0
    elif status not in {"member", "left"}:
        raise ValueError(f"unknown chat member status {status!r}")
    return member


class UpdateBuilders(ForumTopics):
    """The updates a test makes users send: what Telegram would deliver to the bot."""

    def human(self, user_id: int) -> JSON:
        """The User object of a person, with their app's language (user_languages)."""
        return human_user(user_id, self.user_languages.get(user_id, "en"))

    def command(
        self,
        text: str,
        *,
        chat_id: int,
        user_id: int | None = None,
        chat_type: str | None = None,
        title: str | None = None,
        sender_chat: JSON | None = None,
        thread_id: int | None = None,
        enqueue: bool = True,
    ) -> JSON:
        """A message starting with /cmd or /cmd@bot (with its bot_command entity), queued;
        `thread_id`: sent inside that topic of a forum."""
        match = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,})?", text)
        if match is None:
            raise ValueError(f"not a command: {text!r}")
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}
        return self.text_message(
            text,
            chat_id=chat_id,
            user_id=user_id,
            chat_type=chat_type,
            title=title,
            sender_chat=sender_chat,
            entities=[entity],
            thread_id=thread_id,
            enqueue=enqueue,
        )

    def text_message(
        self,
        text: str,
        *,
        chat_id: int,
        user_id: int | None = None,
        chat_type: str | None = None,
        title: str | None = None,
        sender_chat: JSON | None = None,
        entities: list[JSON] | None = None,
        thread_id: int | None = None,
        enqueue: bool = True,
    ) -> JSON:
        """A text message from a user (or channel/anonymous admin) to the bot, queued."""
        message = self._incoming(chat_id, user_id, chat_type, title, sender_chat)
        self.in_topic(message, thread_id)
        message["text"] = text
        if entities:
            message["entities"] = entities
        kind = "channel_post" if message["chat"]["type"] == "channel" else "message"
        return self._enqueue({kind: message}, enqueue)

    def photo_message(
        self,
        caption: str,
        *,
        chat_id: int,
        file_id: str = "AgACAgQAAxkBAAIBQ2bX7photo",
        entities: list[JSON] | None = None,
        enqueue: bool = True,
    ) -> JSON:
        """A photo with a caption from a user to the bot (its command's entity made), queued."""
        message = self._incoming(chat_id, None, None, None, None)
        message["photo"] = [
            {"file_id": f"{file_id}{size}", "file_unique_id": f"u{size}", "width": size,
             "height": size}
            for size in (90, 800)
        ]  # fmt: skip
        message["caption"] = caption
        if entities is None and (match := re.match(r"/[A-Za-z0-9_]{1,32}", caption)):
            entities = [{"type": "bot_command", "offset": 0, "length": len(match.group())}]
        if entities:
            message["caption_entities"] = entities
        return self._enqueue({"message": message}, enqueue)

    def press_button(
        self,
        message: SentMessage,
        data: str,
        *,
        user_id: int,
        enqueue: bool = True,
        forged: bool = False,
        stale: bool = False,
    ) -> JSON:
        """A callback_query update: a user pressed one of the message's current buttons.

        forged: any data, as a modified client can send for a message that has buttons.
        stale: Telegram no longer takes an answer to it (pressed while the bot was down).
        """
        chat_id = message.chat_id
        current = self._messages.get((chat_id, message.message_id))
        if current is None:
            raise ValueError(f"the bot sent no message {message.message_id} to {chat_id}")
        buttons = [
            button.get("callback_data")
            for row in current.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
        ]
        if data not in buttons and not forged:
            raise ValueError(f"message has no button with callback_data {data!r}: {buttons}")
        query_id = str(next(self._callback_ids) + 10**15)
        if not stale:
            self._open_callbacks.add(query_id)
        query = {
            "id": query_id,
            "from": self.human(user_id),
            "message": current,
            "chat_instance": str(abs(chat_id) * 7919 % 10**12),
            "data": data,
        }
        return self._enqueue({"callback_query": query}, enqueue)

    def migrate(
        self, old_chat_id: int, new_chat_id: int, *, user_id: int = GROUP_USER_ID
    ) -> list[JSON]:
        """Upgrade a group: both service messages Telegram sends; sends to the old id fail."""
        title = self.chat(old_chat_id).get("title", f"Chat {old_chat_id}")
        self.chats[new_chat_id] = {"id": new_chat_id, "type": "supergroup", "title": title}
        old = self._incoming(old_chat_id, user_id, "group", title, None)
        old["migrate_to_chat_id"] = new_chat_id
        new = self._incoming(new_chat_id, user_id, "supergroup", title, None)
        new["migrate_from_chat_id"] = old_chat_id
        self.migrated[old_chat_id] = new_chat_id
        return [self.add_update({"message": old}), self.add_update({"message": new})]

    def my_chat_member(
        self,
        chat_id: int,
        status: str,
        *,
        old_status: str | None = None,
        user_id: int | None = None,
        chat_type: str | None = None,
        title: str | None = None,
        enqueue: bool = True,
    ) -> JSON:
        """The bot was added, promoted, kicked or blocked; updates the knobs accordingly."""
        incoming = self._incoming(chat_id, user_id, chat_type, title, None)
        if old_status is None:
            old_status = "member" if status in {"kicked", "left"} else "left"
        update = {
            "my_chat_member": {
                "chat": incoming["chat"],
                "from": incoming["from"],
                "date": incoming["date"],
                "old_chat_member": chat_member(old_status, self.bot_user),
                "new_chat_member": chat_member(status, self.bot_user),
            }
        }
        knob = self.blocked if chat_id > 0 else self.kicked
        if status == "kicked":
            knob.add(chat_id)
        elif status in {"member", "administrator", "creator"}:
            knob.discard(chat_id)
            self.left_chats = [chat for chat in self.left_chats if chat != chat_id]
        return self._enqueue(update, enqueue)

    def _incoming(
        self,
        chat_id: int,
        user_id: int | None,
        chat_type: str | None,
        title: str | None,
        sender_chat: JSON | None,
    ) -> JSON:
        """A message skeleton from a user in a chat; remembers the chat."""
        chat = dict(self.chat(chat_id))
        if chat_type is not None and chat_type != chat["type"]:
            chat = {"id": chat_id, "type": chat_type}
        if chat["type"] == "private":
            chat.pop("title", None)
            chat.setdefault("first_name", f"User {chat_id}")
        else:
            chat.pop("first_name", None)
            chat["title"] = title or chat.get("title") or f"Chat {chat_id}"
        self.chats[chat_id] = chat
        if user_id is None:
            user_id = chat_id if chat["type"] == "private" else GROUP_USER_ID
        message: JSON = {
            "message_id": self._last_message_id.get(chat_id, 0) + 1,
            "date": int(time.time()),
            "chat": chat,
        }
        self._last_message_id[chat_id] = message["message_id"]
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        elif sender_chat is not None:
            message["sender_chat"] = sender_chat
            message["from"] = ANONYMOUS_ADMIN if sender_chat["id"] == chat_id else CHANNEL_BOT
        else:
            message["from"] = self.human(user_id)
        return message

    def _enqueue(self, update: JSON, enqueue: bool) -> JSON:
        """Queue the update unless the test only wants to build it."""
        return self.add_update(update) if enqueue else update
