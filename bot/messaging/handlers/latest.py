"""/latest [TOPIC]: the five newest public posts of the chat's topics, or of one topic."""

from __future__ import annotations

from datetime import tzinfo

from telegram import Update

from bot.domain import texts
from bot.domain.everything import ALL, ALL_POSTS, means_all
from bot.domain.i18n import _
from bot.domain.latest import FOLLOWS_NOTHING, latest
from bot.domain.topics import topic_key
from bot.messaging.context import NewsContext
from bot.messaging.handlers.schedules import chat_zone, current
from bot.messaging.handlers.subscriptions import thread_of
from bot.messaging.replying import reply
from bot.messaging.routing import command


async def latest_command(update: Update, context: NewsContext) -> None:
    chat, now = update.effective_chat, context.now()
    assert chat is not None
    if context.args:
        await latest_of_topic(update, context, " ".join(context.args))
        return
    thread = thread_of(update.effective_message)
    followed = await context.store.subscriptions(chat.id, now, thread)
    if not followed:
        await reply(update, _(FOLLOWS_NOTHING))
        return
    keys = None if any(t.key == ALL for t in followed) else [t.key for t in followed]
    posts = await context.store.latest(keys, now)
    await reply(update, latest(posts, None, await _zone(update, context)))


async def latest_of_topic(update: Update, context: NewsContext, wanted: str) -> None:
    """/latest TOPIC (or /latest all): any topic the public posts have, followed or not."""
    now, zone = context.now(), await _zone(update, context)
    if means_all(wanted):
        await reply(update, latest(await context.store.latest(None, now), _(ALL_POSTS), zone))
        return
    known = await context.store.topics(now)
    topic = next((t for t in known if t.key == topic_key(wanted)), None)
    if topic is None:
        await reply(update, texts.unknown_topic(wanted, known))
        return
    posts = await context.store.latest([topic.key], now)
    await reply(update, latest(posts, topic.name, zone))


async def _zone(update: Update, context: NewsContext) -> tzinfo:
    """Dates are the chat's: in its /timezone, else TIMEZONE."""
    return chat_zone(context, await current(update, context))[1]


HANDLERS = [command("latest", latest_command)]
