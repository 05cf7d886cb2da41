"""/scheduled: the broadcasts waiting for their time, with a Cancel button each."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update

from bot.domain import broadcast_texts as says
from bot.domain import texts
from bot.domain.audit import AuditAction
from bot.domain.callbacks import Action, BroadcastButton, broadcast_data
from bot.domain.i18n import _
from bot.messaging.audit import audit
from bot.messaging.context import NewsContext
from bot.messaging.editor_jobs import edit_preview
from bot.messaging.guards import site_admins_only
from bot.messaging.handlers.broadcasts import admin_zone
from bot.messaging.keyboards import button as key
from bot.messaging.replying import answer, edit_in_place, reply
from bot.messaging.routing import button, command

LISTED = 30  # Cancel buttons under /scheduled


async def listing(context: NewsContext, chat_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
    found, zone = await context.store.scheduled_broadcasts(), await admin_zone(context, chat_id)
    if not found:
        return _(says.NO_SCHEDULED), None
    rows = [
        [
            key(
                says.cancel_button(n, info, zone),
                broadcast_data(Action.UNSCHEDULE_BROADCAST, info.id),
            )
        ]
        for n, info in enumerate(found[:LISTED], 1)
    ]
    return says.scheduled_list(found, zone), InlineKeyboardMarkup(rows)


@site_admins_only(texts.BROADCAST_ADMINS_ONLY)
async def scheduled(update: Update, context: NewsContext) -> None:
    assert update.effective_chat is not None
    await reply(update, *await listing(context, update.effective_chat.id))


@site_admins_only(texts.BROADCAST_ADMINS_ONLY)
async def cancel_pressed(
    update: Update, context: NewsContext, pressed: BroadcastButton, message: Message
) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    info = await context.store.broadcast(pressed.broadcast_id)
    if info is None or not await context.store.unschedule_broadcast(info.id):
        await answer(query, _(says.NOT_SCHEDULED_ANY_MORE))
        return
    now = context.now()
    await audit(
        context.store, update.effective_user.id, AuditAction.BROADCAST_CANCELLED, f"#{info.id}", now
    )
    await answer(query, _(says.UNSCHEDULED))
    await edit_preview(context.bot, info, says.unscheduled(info.html))
    text, markup = await listing(context, message.chat.id)
    await edit_in_place(query, text, markup)


HANDLERS = [
    command("scheduled", scheduled),
    button(Action.UNSCHEDULE_BROADCAST, BroadcastButton, cancel_pressed),
]
