"""/channel add|remove, /channels and their remove buttons: the site's own channels."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update

from bot.domain import channel_texts as says
from bot.domain import texts
from bot.domain.audit import AuditAction
from bot.domain.callbacks import Action, ChannelButton, channel_data
from bot.domain.channels import ALL_TOPICS, ChannelAction, ChannelArgs, ChannelInfo, parse_channel
from bot.domain.commands import topic_words
from bot.domain.i18n import _, current_language
from bot.domain.topics import topic_key
from bot.messaging.audit import audit
from bot.messaging.channel_rights import CannotPost, check_channel
from bot.messaging.context import NewsContext
from bot.messaging.guards import site_admins_only
from bot.messaging.keyboards import button as key
from bot.messaging.replying import answer, edit_in_place, reply
from bot.messaging.routing import button, command

LISTED = 30  # remove buttons under /channels


@site_admins_only(says.CHANNEL_ADMINS_ONLY)
async def channel(update: Update, context: NewsContext) -> None:
    args = parse_channel(context.args or [])
    if args.action is None or args.target is None:
        await reply(update, _(says.CHANNEL_USAGE))
    elif args.action == ChannelAction.ADD:
        await add(update, context, args)
    elif (found := await context.store.find_channel(args.target)) is None:
        await reply(update, says.channel_unknown(str(args.target)))
    else:
        await remove(update, context, found)


async def add(update: Update, context: NewsContext, args: ChannelArgs) -> None:
    """Check the bot may post there, resolve the topics, save, say what it follows."""
    assert args.target is not None and update.effective_user is not None
    known = {t.key: t.name for t in await context.store.topics()}
    words = [] if args.follows_all else topic_words(args.topics, known)
    unknown = [word for word in words if topic_key(word) not in known]
    if unknown:
        await reply(update, texts.unknown_topics(unknown, await context.store.topics()))
        return
    try:
        found = await check_channel(context.bot, args.target)
    except CannotPost as refusal:
        await reply(update, str(refusal))
        return
    keys = [topic_key(word) for word in words] or [ALL_TOPICS]
    user, now = update.effective_user.id, context.now()
    info = await context.store.add_channel(
        found.chat_id, found.title, found.username, keys, user, now
    )
    # A channel sends no commands (no /language): it speaks the language of who added it.
    await context.store.chat_language(info.chat_id, current_language())
    await audit(
        context.store, user, AuditAction.CHANNEL_ADDED, f"{info.name} ({info.chat_id})", now
    )
    await reply(update, says.channel_added(info, known))


async def remove(update: Update, context: NewsContext, found: ChannelInfo) -> None:
    assert update.effective_user is not None
    await context.store.remove_channel(found.chat_id)
    user, now = update.effective_user.id, context.now()
    await audit(
        context.store, user, AuditAction.CHANNEL_REMOVED, f"{found.name} ({found.chat_id})", now
    )
    await reply(update, says.channel_removed(found.name))


async def listing(context: NewsContext) -> tuple[str, InlineKeyboardMarkup | None]:
    """/channels: the list, and a remove button for each of the first LISTED."""
    found = await context.store.channels()
    if not found:
        return _(says.NO_CHANNELS), None
    names = {t.key: t.name for t in await context.store.topics()}
    rows = [[key(says.remove_button(c), channel_data(c.chat_id))] for c in found[:LISTED]]
    return says.channels_list(found, names), InlineKeyboardMarkup(rows)


@site_admins_only(says.CHANNEL_ADMINS_ONLY)
async def channels(update: Update, context: NewsContext) -> None:
    await reply(update, *await listing(context))


@site_admins_only(says.CHANNEL_ADMINS_ONLY)
async def remove_pressed(
    update: Update, context: NewsContext, pressed: ChannelButton, message: Message
) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    removed = await context.store.remove_channel(pressed.chat_id)
    if removed is None:
        await answer(query, _(says.CHANNEL_GONE))
    else:
        now = context.now()
        detail = f"{removed.name} ({removed.chat_id})"
        await audit(
            context.store, update.effective_user.id, AuditAction.CHANNEL_REMOVED, detail, now
        )
        await answer(query, says.removed_answer(removed.name))  # plain text, not HTML
    text, markup = await listing(context)
    await edit_in_place(query, text, markup)  # pressed twice: the list already shows it


HANDLERS = [
    command("channel", channel),
    command("channels", channels),
    button(Action.REMOVE_CHANNEL, ChannelButton, remove_pressed),
]
