"""Forum supergroups: their topics, messages inside a topic, sends to a topic, deleted topics.

As Telegram does: a forum is a supergroup with `is_forum`; a topic is known by the id of the
service message that created it (`message_thread_id`); a message in a topic carries
`message_thread_id` and `is_topic_message`, and replies to that creation message. The General
topic is the chat itself: messages there carry no thread id, and sends to it name none. A send
naming a thread the chat does not have fails with "message thread not found"; one naming a
deleted topic with "TOPIC_DELETED".
"""

from __future__ import annotations

import time

from tests.support.fake_telegram.records import JSON, ApiError, SentMessage
from tests.support.fake_telegram.state import BotApiState

ICON_COLOR = 0x6FB9F0  # one of the six colours Telegram allows for a topic's icon


class ForumTopics(BotApiState):
    """Forum chats and their topics, as a test sets them up."""

    def make_forum(self, chat_id: int, title: str = "Forum") -> JSON:
        """Make `chat_id` a forum supergroup (the Chat object updates carry from now on)."""
        chat = {"id": chat_id, "type": "supergroup", "title": title, "is_forum": True}
        self.chats[chat_id] = chat
        self.forum_topics.setdefault(chat_id, {})
        return chat

    def create_topic(self, chat_id: int, name: str) -> int:
        """A new topic in a forum; returns its message_thread_id."""
        if not self.chat(chat_id).get("is_forum"):
            raise ValueError(f"chat {chat_id} is not a forum")
        thread_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = thread_id
        self.forum_topics[chat_id][thread_id] = name
        return thread_id

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """An administrator deleted the topic: sends to it fail from now on."""
        self.forum_topics[chat_id].pop(thread_id)
        self.deleted_topics.add((chat_id, thread_id))

    def messages_in(self, chat_id: int, thread_id: int | None) -> list[SentMessage]:
        """Accepted sends to one topic of a chat (None: the General topic, or a plain chat)."""
        return [
            sent
            for sent in self.sent
            if sent.chat_id == chat_id and sent.params.get("message_thread_id") == thread_id
        ]

    def in_topic(self, message: JSON, thread_id: int | None) -> JSON:
        """Put an incoming message in a topic of its forum (None: General, left as it is)."""
        if thread_id is None:
            return message
        chat_id = message["chat"]["id"]
        name = self.forum_topics.get(chat_id, {}).get(thread_id)
        if name is None:
            raise ValueError(f"chat {chat_id} has no topic {thread_id}")
        message["message_thread_id"] = thread_id
        message["is_topic_message"] = True
        message["reply_to_message"] = {
            "message_id": thread_id,
            "message_thread_id": thread_id,
            "date": int(time.time()),
            "chat": message["chat"],
            "from": message.get("from"),
            "forum_topic_created": {"name": name, "icon_color": ICON_COLOR},
            "is_topic_message": True,
        }
        return message

    def check_thread(self, chat_id: int, params: JSON) -> int | None:
        """The thread a send names, checked as Telegram checks it."""
        thread_id = params.get("message_thread_id")
        if thread_id is None:
            return None
        if (chat_id, thread_id) in self.deleted_topics:
            raise ApiError(400, "Bad Request: TOPIC_DELETED", deliberate=True)
        if thread_id not in self.forum_topics.get(chat_id, {}):
            raise ApiError(400, "Bad Request: message thread not found", deliberate=True)
        return int(thread_id)
