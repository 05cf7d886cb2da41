"""/filter: the chat's keyword filters (anyone may list them; in a group, admins change them)."""

from __future__ import annotations

from telegram import Update

from bot.domain import filter_texts
from bot.domain.filters import FilterAction, FilterCommand, parse_filter
from bot.domain.i18n import _
from bot.messaging.context import NewsContext
from bot.messaging.guards import manages_chat
from bot.messaging.handlers.subscriptions import chat_title
from bot.messaging.replying import refuse, reply
from bot.messaging.routing import command


async def filter_command(update: Update, context: NewsContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    parsed = parse_filter(context.args or [])
    if parsed.action == FilterAction.LIST:
        await reply(update, filter_texts.listing(await context.store.filters(chat.id)))
    elif not await manages_chat(update, context):
        await refuse(update, _(filter_texts.ADMIN_ONLY))
    elif parsed.action == FilterAction.USAGE:
        await reply(update, _(filter_texts.USAGE))
    elif parsed.action == FilterAction.CLEAR:
        await reply(update, filter_texts.cleared(await context.store.clear_filters(chat.id)))
    elif parsed.action == FilterAction.REMOVE:
        await remove(update, context, parsed)
    else:
        await add(update, context, parsed)


async def add(update: Update, context: NewsContext, parsed: FilterCommand) -> None:
    chat = update.effective_chat
    assert chat is not None
    valid = [w for w in parsed.words if w.problem is None]
    wanted = [(w.word, w.include) for w in valid]
    title, now = chat_title(chat), context.now()
    outcomes = iter(await context.store.add_filters(chat.id, chat.type, title, wanted, now))
    results = [(w, None if w.problem else next(outcomes)) for w in parsed.words]
    await reply(
        update, filter_texts.added(results, await context.store.filters(chat.id), parsed.ignored)
    )


async def remove(update: Update, context: NewsContext, parsed: FilterCommand) -> None:
    chat = update.effective_chat
    assert chat is not None
    lines = []
    for word in parsed.words:
        done = word.problem is None and await context.store.remove_filter(chat.id, word.word)
        lines.append(filter_texts.removed(word, done))
    now = await context.store.filters(chat.id)
    await reply(update, filter_texts.removed_all(lines, now, parsed.ignored))


HANDLERS = [command("filter", filter_command)]
