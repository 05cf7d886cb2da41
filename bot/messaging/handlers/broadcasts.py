"""/broadcast (a text, or a photo whose caption is the command; now or `at` a time) and the
buttons under its preview: Send, Send to me first, Cancel."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import MessageHandler, filters

from bot.domain import broadcast_texts as says
from bot.domain import texts
from bot.domain.broadcasts import BroadcastInfo, Progress
from bot.domain.callbacks import Action, BroadcastButton, broadcast_data
from bot.domain.commands import parse_broadcast
from bot.domain.i18n import _
from bot.domain.notes import render_broadcast
from bot.domain.scheduling import send_time
from bot.domain.topics import topic_key
from bot.messaging import keyboards
from bot.messaging.audit import audit
from bot.messaging.context import NewsContext
from bot.messaging.editor_jobs import edit_preview
from bot.messaging.formatting import html_after
from bot.messaging.guards import site_admins_only
from bot.messaging.replying import answer, reply
from bot.messaging.routing import button, command

# A photo whose caption is /broadcast: PTB's CommandHandler reads only a message's text.
PHOTO_BROADCAST = (
    filters.UpdateType.MESSAGE & filters.PHOTO & filters.CaptionRegex(r"^/broadcast(@\w+)?(\s|$)")
)


@site_admins_only(texts.BROADCAST_ADMINS_ONLY)
async def broadcast(update: Update, context: NewsContext) -> None:
    await draft(update, context, photo=None)


@site_admins_only(texts.BROADCAST_ADMINS_ONLY)
async def photo_broadcast(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    assert message is not None and message.photo
    await draft(update, context, photo=message.photo[-1].file_id)


async def draft(update: Update, context: NewsContext, photo: str | None) -> None:
    """Check the command, save a draft, and show its preview with its buttons."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    args, topic = parse_broadcast((message.caption if photo else message.text) or ""), None
    if args.topic is not None:
        known = await context.store.topics()
        topic = next((t for t in known if t.key == topic_key(args.topic)), None)
        if topic is None:
            await reply(update, texts.unknown_topic(args.topic, known))
            return
    zone, now = context.settings.timezone, context.now()
    send_at = send_time(args.at, zone) if args.at is not None else None
    problem = texts.broadcast_problem(args.text) or (photo and says.caption_problem(args.text))
    if args.at is not None and not problem:
        problem = says.time_problem(send_at, now, zone)
    if problem:
        await reply(update, problem)
        return
    html_text = render_broadcast(html_after(message, args.cut, caption=photo is not None))
    key = topic.key if topic else None
    audience = await context.store.broadcast_audience(key)
    draft_id = await context.store.create_broadcast(
        html_text, key, user.id, message.chat.id, now, photo=photo, send_at=send_at
    )
    shown = texts.broadcast_preview(html_text, audience, topic)
    if send_at is not None:
        shown += "\n" + says.scheduled_line(send_at, zone)
    markup = preview_buttons(draft_id, audience)
    if photo is None:
        preview = await message.reply_text(shown, reply_markup=markup, do_quote=False)
    else:
        preview = await message.reply_photo(photo, shown, reply_markup=markup, do_quote=False)
    await context.store.set_broadcast_preview(draft_id, preview.message_id)


def preview_buttons(broadcast_id: int, audience: int) -> InlineKeyboardMarkup:
    """Send and Cancel, and under them "Send to me first"."""
    rows = list(keyboards.send_or_cancel(broadcast_id, audience).inline_keyboard)
    test = broadcast_data(Action.TEST_BROADCAST, broadcast_id)
    return InlineKeyboardMarkup([*rows, [keyboards.button(_(says.SEND_TO_ME), test)]])


@site_admins_only(texts.NOT_YOUR_BROADCAST)
async def broadcast_pressed(
    update: Update, context: NewsContext, pressed: BroadcastButton, message: Message
) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    info = await context.store.broadcast(pressed.broadcast_id)
    user, now = update.effective_user.id, context.now()
    if info is None or info.preview_chat_id != message.chat.id:
        await answer(query, _(texts.NOT_YOUR_BROADCAST), alert=True)
    elif pressed.action == Action.TEST_BROADCAST:
        await send_to_admin(context, info, user)
        await answer(query, _(says.SENT_TO_YOU))
    elif pressed.action == Action.CANCEL_BROADCAST:
        if await context.store.cancel_broadcast(info.id):
            await answer(query, _(texts.CANCELLED))
            await audit(context.store, user, "broadcast cancelled", f"#{info.id}", now)
            await edit_preview(context.bot, info, texts.broadcast_cancelled(info.html))
        else:
            await answer(query, texts.already(info.state))
    elif info.send_at is not None:
        await schedule(update, context, info)
    elif (queued := await context.store.start_broadcast(info.id, now)) is None:
        await answer(query, texts.already(info.state))
    else:
        await answer(query, texts.sending_answer(queued))
        await audit(context.store, user, "broadcast sent", f"#{info.id} to {queued}", now)
        context.services.sender.wake()
        started = Progress(remaining=queued)
        # The progress job edits only when the footer changes: it must know this one.
        context.services.shown_progress[info.id] = texts.progress_line(started)
        await edit_preview(context.bot, info, texts.with_progress(info.html, started))


async def schedule(update: Update, context: NewsContext, info: BroadcastInfo) -> None:
    """Send on a broadcast with a start time: it waits (due_broadcasts_job starts it)."""
    query, zone = update.callback_query, context.settings.timezone
    assert query is not None and info.send_at is not None and update.effective_user is not None
    if not await context.store.schedule_broadcast(info.id):
        await answer(query, texts.already(info.state))
        return
    await answer(query, says.scheduled_answer(info.send_at, zone))
    detail = f"#{info.id} at {info.send_at.isoformat()}"
    await audit(
        context.store, update.effective_user.id, "broadcast scheduled", detail, context.now()
    )
    await edit_preview(context.bot, info, says.scheduled_for(info.html, info.send_at, zone))


async def send_to_admin(context: NewsContext, info: BroadcastInfo, user_id: int) -> None:
    """The test send: the broadcast as readers will get it, to the admin alone."""
    if info.photo is not None:
        await context.bot.send_photo(user_id, info.photo, caption=info.html)
    else:
        await context.bot.send_message(user_id, info.html)


HANDLERS = [
    command("broadcast", broadcast),
    MessageHandler(PHOTO_BROADCAST, photo_broadcast),
    button(Action.SEND_BROADCAST, BroadcastButton, broadcast_pressed),
    button(Action.CANCEL_BROADCAST, BroadcastButton, broadcast_pressed),
    button(Action.TEST_BROADCAST, BroadcastButton, broadcast_pressed),
]
