"""/broadcast and the buttons under its preview: the site's admins write to every chat."""

from __future__ import annotations

from telegram import Message, Update

from bot.domain import texts
from bot.domain.broadcasts import Progress
from bot.domain.callbacks import Action, BroadcastButton
from bot.domain.commands import parse_broadcast
from bot.domain.i18n import _
from bot.domain.notes import render_broadcast
from bot.domain.topics import topic_key
from bot.messaging import keyboards
from bot.messaging.context import NewsContext
from bot.messaging.formatting import html_after
from bot.messaging.guards import site_admins_only
from bot.messaging.replying import answer, reply
from bot.messaging.routing import button, command


@site_admins_only(texts.BROADCAST_ADMINS_ONLY)
async def broadcast(update: Update, context: NewsContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    args, topic = parse_broadcast(message.text or ""), None
    if args.topic is not None:
        known = await context.store.topics()
        topic = next((t for t in known if t.key == topic_key(args.topic)), None)
        if topic is None:
            await reply(update, texts.unknown_topic(args.topic, known))
            return
    if problem := texts.broadcast_problem(args.text):
        await reply(update, problem)
        return
    html_text = render_broadcast(html_after(message, args.cut))
    key = topic.key if topic else None
    audience = await context.store.broadcast_audience(key)
    draft = await context.store.create_broadcast(
        html_text, key, user.id, message.chat.id, context.now()
    )
    preview = await message.reply_text(
        texts.broadcast_preview(html_text, audience, topic),
        reply_markup=keyboards.send_or_cancel(draft, audience),
        do_quote=False,
    )
    await context.store.set_broadcast_preview(draft, preview.message_id)


@site_admins_only(texts.NOT_YOUR_BROADCAST)
async def broadcast_pressed(
    update: Update, context: NewsContext, pressed: BroadcastButton, message: Message
) -> None:
    query = update.callback_query
    assert query is not None
    info = await context.store.broadcast(pressed.broadcast_id)
    if info is None or info.preview_chat_id != message.chat.id:
        await answer(query, _(texts.NOT_YOUR_BROADCAST), alert=True)
    elif pressed.action == Action.CANCEL_BROADCAST:
        if await context.store.cancel_broadcast(info.id):
            await answer(query, _(texts.CANCELLED))
            await query.edit_message_text(texts.broadcast_cancelled(info.html))
        else:
            await answer(query, texts.already(info.state))
    elif (queued := await context.store.start_broadcast(info.id, context.now())) is None:
        await answer(query, texts.already(info.state))
    else:
        await answer(query, texts.sending_answer(queued))
        context.services.sender.wake()
        started = Progress(remaining=queued)
        # The progress job edits only when the footer changes: it must know this one.
        context.services.shown_progress[info.id] = texts.progress_line(started)
        await query.edit_message_text(texts.with_progress(info.html, started))


HANDLERS = [
    command("broadcast", broadcast),
    button(Action.SEND_BROADCAST, BroadcastButton, broadcast_pressed),
    button(Action.CANCEL_BROADCAST, BroadcastButton, broadcast_pressed),
]
