"""Forum topics: a forum supergroup's subscriptions belong to the topic they were made in.

A thread id of 0 means the chat itself: a private chat, a plain group, or a forum's General
topic (Telegram gives messages there no thread id, and sends to it name none).
"""

from __future__ import annotations

GENERAL = 0

# How Telegram says a send named a forum topic that is gone (deleted, or never there).
_TOPIC_GONE = ("message thread not found", "topic_deleted")


def thread_id(is_forum: bool, is_topic_message: bool, message_thread_id: int | None) -> int:
    """The forum topic a message was sent in; GENERAL outside a forum's topics.

    In a non-forum supergroup a reply thread also has a message_thread_id: that is no topic.
    """
    if is_forum and is_topic_message and message_thread_id:
        return message_thread_id
    return GENERAL


def topic_gone(error: str) -> bool:
    """Whether a lower-cased BadRequest message says the forum topic of a send is gone."""
    return any(marker in error for marker in _TOPIC_GONE)
