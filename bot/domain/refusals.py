"""What Telegram's refusals of a send mean: the chat is out of reach, or its forum topic is gone.

Both take the lower-cased message of a BadRequest.
"""

from __future__ import annotations

# How Telegram says a send named a forum topic that is gone (deleted, or never there).
_TOPIC_GONE = ("message thread not found", "topic_deleted")


def chat_gone(error: str) -> bool:
    """Whether the chat is out of the bot's reach."""
    # A channel where the bot lost the right to post answers 400 "need administrator rights".
    return any(
        gone in error for gone in ("chat not found", "peer_id_invalid", "need administrator")
    )


def topic_gone(error: str) -> bool:
    """Whether the forum topic of the send is gone (its subscriptions go as a blocked chat's)."""
    return any(marker in error for marker in _TOPIC_GONE)
