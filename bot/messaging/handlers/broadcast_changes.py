"""Edit and Recall under a sent broadcast's report, and the admin's new text for an edit.

Recall deletes every copy Telegram still allows; Edit asks for the new text: the admin's next
plain message in that chat within a few minutes, handled before any other handler of plain text.
Both queue one change per copy (bot.messaging.changes applies them), so they are durable and
resumable like sending; the report shows their progress (bot.messaging.change_jobs).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.domain import broadcast_texts, texts
from bot.domain.callbacks import Action, BroadcastButton
from bot.domain.change_texts import (
    EDIT_WINDOW_MINUTES,
    NOT_EDITABLE,
    change_answer,
    change_line,
    edit_prompt,
)
from bot.domain.changes import ChangeCounts
from bot.domain.i18n import _
from bot.domain.notes import render_broadcast
from bot.domain.states import ChangeKind
from bot.messaging.chat_language import in_chat_language
from bot.messaging.context import NewsContext
from bot.messaging.formatting import html_after
from bot.messaging.guards import is_site_admin, site_admins_only
from bot.messaging.replying import answer, reply
from bot.messaging.routing import button

logger = logging.getLogger(__name__)

# Before every other handler: the new text of an edit is not a command's argument nor a search.
EDIT_GROUP = -1


@site_admins_only(texts.NOT_YOUR_BROADCAST)
async def change_pressed(
    update: Update, context: NewsContext, pressed: BroadcastButton, message: Message
) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    info = await context.store.broadcast(pressed.broadcast_id)
    now = context.now()
    if info is None or info.preview_chat_id != message.chat.id:
        await answer(query, _(texts.NOT_YOUR_BROADCAST), alert=True)
    elif pressed.action == Action.EDIT_BROADCAST:
        if not await context.store.request_broadcast_edit(info.id, now):
            await answer(query, _(NOT_EDITABLE), alert=True)
            return
        await answer(query, edit_prompt())
        await reply(update, edit_prompt())
    elif (queued := await context.store.recall_broadcast(info.id, user.id, now)) is None:
        await answer(query, texts.already(info.state))
    else:
        await answer(query, change_answer(ChangeKind.DELETE, queued))
        context.services.sender.wake()
        footer = change_line(ChangeKind.DELETE, ChangeCounts(remaining=queued), final=False)
        context.services.shown_changes[info.id] = footer
        try:
            await query.edit_message_text(f"{info.html}\n\n{footer}")
        except BadRequest as exc:  # a report too old to edit: the final count comes anew
            logger.info("could not show the recall of broadcast %d: %s", info.id, exc.message)


async def new_text(update: Update, context: NewsContext) -> None:
    """An admin's plain message: the new text of the broadcast they asked to edit, if any."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not is_site_admin(update, context):
        return
    since = context.now() - timedelta(minutes=EDIT_WINDOW_MINUTES)
    info = await context.store.take_edit_request(message.chat.id, since)
    if info is None:
        return  # no edit waiting: the other handlers take the message
    html_text, now = render_broadcast(html_after(message, 0)), context.now()
    typed = message.text or ""
    caption = info.photo is not None  # a photo's caption is shorter than a message
    if problem := texts.broadcast_problem(typed) or (
        broadcast_texts.caption_problem(typed) if caption else None
    ):
        await context.store.request_broadcast_edit(info.id, now)  # another try
        await reply(update, problem)
    elif (queued := await context.store.edit_broadcast(info.id, html_text, user.id, now)) is None:
        await reply(update, _(NOT_EDITABLE))
    else:
        context.services.sender.wake()
        await reply(update, change_answer(ChangeKind.EDIT, queued))
    raise ApplicationHandlerStop


HANDLERS = {
    EDIT_GROUP: [
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND,
            in_chat_language(new_text),
        )
    ],
    0: [
        button(Action.EDIT_BROADCAST, BroadcastButton, change_pressed),
        button(Action.RECALL_BROADCAST, BroadcastButton, change_pressed),
    ],
}
