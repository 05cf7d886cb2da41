"""Who may do what: the site's admins, and the administrators of a group; one guard for both."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Concatenate, ParamSpec

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden

from bot.domain.i18n import _
from bot.domain.texts import ADMIN_ONLY
from bot.messaging.context import NewsContext
from bot.messaging.replying import refuse

logger = logging.getLogger(__name__)

P = ParamSpec("P")
Handler = Callable[Concatenate[Update, NewsContext, P], Coroutine[Any, Any, None]]
Check = Callable[[Update, NewsContext], Awaitable[bool]]


async def manages_chat(update: Update, context: NewsContext) -> bool:
    """Anyone in a private chat; only administrators (or the group itself) in a group."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat is not None and update.callback_query is None:
        return message.sender_chat.id == chat.id  # an anonymous administrator
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except (BadRequest, Forbidden) as exc:  # a user or chat Telegram does not know: forged
        logger.info("no rights for user %d in chat %d: %s", user.id, chat.id, exc.message)
        return False
    return member.status in {ChatMember.ADMINISTRATOR, ChatMember.OWNER}


def is_site_admin(update: Update, context: NewsContext) -> bool:
    """Whether the update comes from one of ADMIN_IDS."""
    user = update.effective_user
    return user is not None and user.id in context.settings.admin_ids


async def site_admin(update: Update, context: NewsContext) -> bool:
    return is_site_admin(update, context)


def guard(check: Check, refusal: str) -> Callable[[Handler[P]], Handler[P]]:
    """Run the handler only when `check` passes; otherwise say `refusal` (on the button).

    `refusal` is an N_-marked constant: it is translated when said, in the chat's language.
    """

    def decorate(handler: Handler[P]) -> Handler[P]:
        @functools.wraps(handler)
        async def guarded(
            update: Update, context: NewsContext, /, *args: P.args, **kwargs: P.kwargs
        ) -> None:
            if await check(update, context):
                await handler(update, context, *args, **kwargs)
            else:
                await refuse(update, _(refusal))

        return guarded

    return decorate


def chat_managers_only(refusal: str = ADMIN_ONLY) -> Callable[[Handler[P]], Handler[P]]:
    """For changes to what a chat follows: its administrators only, in a group."""
    return guard(manages_chat, refusal)


def site_admins_only(refusal: str) -> Callable[[Handler[P]], Handler[P]]:
    """For /broadcast and /stats: ADMIN_IDS only."""
    return guard(site_admin, refusal)
