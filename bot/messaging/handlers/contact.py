"""First contact: a welcome when the bot joins a group; a hint for stray text in a private chat."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import ChatMemberHandler, MessageHandler, filters

from bot.domain import contact_texts
from bot.domain.i18n import _
from bot.messaging.chat_language import in_chat_language
from bot.messaging.context import NewsContext
from bot.messaging.replying import reply

_PRESENT = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR}
_ABSENT = {ChatMember.LEFT, ChatMember.BANNED}


async def joined(update: Update, context: NewsContext) -> None:
    """The bot was added to a group: say how its administrators pick topics."""
    change = update.my_chat_member
    if change is None or change.chat.type not in {ChatType.GROUP, ChatType.SUPERGROUP}:
        return
    if change.old_chat_member.status in _ABSENT and change.new_chat_member.status in _PRESENT:
        await context.bot.send_message(change.chat.id, _(contact_texts.GROUP_WELCOME))


async def stray_text(update: Update, context: NewsContext) -> None:
    """Plain text, or a command no handler took, in a private chat: a one-line hint."""
    message = update.effective_message
    assert message is not None
    text = message.text or ""
    if text.startswith("/"):
        await reply(update, contact_texts.unknown_command(text))
    else:
        await reply(update, _(contact_texts.TEXT_HINT))


# Registered after every command handler: only what none of them took gets here.
HANDLERS = [
    MessageHandler(
        filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.TEXT,
        in_chat_language(stray_text),
    ),
]
# In a group of its own: membership's handler also sees the bot's membership changes.
JOINED = ChatMemberHandler(in_chat_language(joined), ChatMemberHandler.MY_CHAT_MEMBER)
