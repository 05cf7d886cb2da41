"""Changes to the chats themselves: a group that became a supergroup, the bot removed."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.ext import ChatMemberHandler, MessageHandler, filters

from bot.domain.alerts import AlertKind
from bot.messaging.chat_language import in_chat_language
from bot.messaging.context import NewsContext

logger = logging.getLogger(__name__)


async def migrated(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id:
        await context.store.migrate_chat(message.chat.id, message.migrate_to_chat_id, context.now())


async def membership(update: Update, context: NewsContext) -> None:
    change = update.my_chat_member
    if change is not None and change.new_chat_member.status in {
        ChatMember.LEFT,
        ChatMember.BANNED,
    }:
        chat = change.chat
        await context.store.block_chat(chat.id, "bot removed from the chat", context.now())
        if chat.type != chat.PRIVATE:
            logger.warning(
                "the bot was removed from %s %d (%s): nothing more goes there",
                chat.type,
                chat.id,
                chat.title or "",
                extra={"alert": AlertKind.CHANNEL_RIGHTS},
            )


HANDLERS = [
    MessageHandler(filters.StatusUpdate.MIGRATE, in_chat_language(migrated)),
    ChatMemberHandler(in_chat_language(membership), ChatMemberHandler.MY_CHAT_MEMBER),
]
