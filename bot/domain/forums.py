"""Forum topics: a forum supergroup's subscriptions belong to the topic they were made in.

A thread id of 0 means the chat itself: a private chat, a plain group, or a forum's General
topic (Telegram gives messages there no thread id, and sends to it name none).
"""

from __future__ import annotations

GENERAL = 0


def thread_id(is_forum: bool, is_topic_message: bool, message_thread_id: int | None) -> int:
    """The forum topic a message was sent in; GENERAL outside a forum's topics.

    In a non-forum supergroup a reply thread also has a message_thread_id: that is no topic.
    """
    if is_forum and is_topic_message and message_thread_id:
        return message_thread_id
    return GENERAL
