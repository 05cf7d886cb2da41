"""Command and button handlers: parse the update, ask the store, reply."""

from __future__ import annotations

import difflib
import html
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from telegram import (
    CallbackQuery,
    Chat,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.context import NewsContext
from bot.domain import callbacks
from bot.domain.broadcasts import Progress
from bot.domain.callbacks import Action, BroadcastButton, TopicButton, shorten
from bot.domain.notes import TEXT_LIMIT, render_broadcast, telegram_length
from bot.domain.replies import bounded_list, name_html
from bot.domain.stats import Stats
from bot.domain.topics import TopicCount, TopicInfo, topic_key

logger = logging.getLogger(__name__)

COMMANDS = {
    "start": "Start getting news (/start TOPIC follows a topic right away)",
    "subscribe": "Follow a topic: /subscribe TOPIC, or pick from a list",
    "unsubscribe": "Stop following a topic",
    "subscriptions": "The topics this chat follows",
    "topics": "Every category and tag, with post counts",
    "stop": "Stop all messages to this chat",
    "help": "What I can do",
}
ADMIN_COMMANDS = {
    "broadcast": "Send a message to every chat: /broadcast [#topic] TEXT",
    "stats": "Chats, subscriptions and deliveries",
}
KEYBOARD_TOPICS = 30
# /subscribe answers in up to three parts (added, already followed, unknown): each gets a third.
PART_LIMIT = (TEXT_LIMIT - 2) // 3
SUGGESTED_WORDS = 3  # unknown words that get "did you mean"; more are only listed
BROADCAST_TEXT_LIMIT = 3800  # leaves room for the progress lines under the preview
ADMIN_ONLY = "Only this group's administrators can change what it follows."


def _now() -> datetime:
    return datetime.now(UTC)


def _title(chat: Chat) -> str:
    return chat.title or chat.full_name or chat.username or ""


async def _reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup, do_quote=False
        )


async def _answer(query: CallbackQuery, text: str, *, alert: bool = False) -> None:
    """Answer a button press, within Telegram's limit for the answer."""
    await query.answer(callbacks.answer_text(text), show_alert=alert)


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(callbacks.button_label(label), callback_data=data)


async def _may_manage(update: Update, context: NewsContext) -> bool:
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


def _is_admin(update: Update, context: NewsContext) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.settings.admin_ids


def _names(
    header: str, topics: Sequence[TopicInfo | TopicCount], footer: str, limit: int = TEXT_LIMIT
) -> str:
    """An inline list of topic names in bold, within `limit`."""
    names = [name_html(t.name) for t in topics]
    return bounded_list(header, names, footer, separator=", ", limit=limit)


def _suggestions(wanted: str, known: Sequence[TopicCount]) -> str:
    by_key = {t.key: t for t in known}
    close = difflib.get_close_matches(topic_key(wanted), list(by_key), n=3, cutoff=0.5)
    hint = _names(" Did you mean ", [by_key[k] for k in close], "?") if close else ""
    return f"I don't know the topic {name_html(wanted)}.{hint} See /topics for all."


def _unknown(words: Sequence[str], known: Sequence[TopicCount]) -> str:
    """What /subscribe says about words that name no topic: hints for a few, a list for many."""
    if len(words) <= SUGGESTED_WORDS:
        return "\n".join(_suggestions(word, known) for word in words)
    return bounded_list(
        "I don't know the topics ",
        [name_html(word) for word in words],
        ". See /topics for all.",
        separator=", ",
        limit=PART_LIMIT,
    )


# -- commands ---------------------------------------------------------------------------------


async def start(update: Update, context: NewsContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if not await _may_manage(update, context):
        await _reply(update, f"Hi! {ADMIN_ONLY} Send /help to see what I can do.")
        return
    await context.store.register_chat(chat.id, chat.type, _title(chat), _now())
    if context.args:  # a deep link from the site: t.me/<bot>?start=<topic>
        await subscribe(update, context)
        return
    await _reply(
        update,
        "Hi! I send a short note with a link whenever the site publishes a post on a topic "
        "you follow.\n\n"
        "Follow a topic with /subscribe TOPIC (for example /subscribe news), or send "
        "/subscribe to pick from a list. /topics shows every topic, /help every command.",
    )


async def help_command(update: Update, context: NewsContext) -> None:
    lines = [f"/{name} — {html.escape(text)}" for name, text in COMMANDS.items()]
    if _is_admin(update, context):
        lines += ["", "For admins:"]
        lines += [f"/{name} — {html.escape(text)}" for name, text in ADMIN_COMMANDS.items()]
    lines += [
        "",
        "Topics are the site's categories and tags, in any case; #tag works too. "
        "In groups, only administrators can change what the group follows.",
    ]
    await _reply(update, "\n".join(lines))


async def subscribe(update: Update, context: NewsContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if not await _may_manage(update, context):
        await _reply(update, ADMIN_ONLY)
        return
    known = await context.store.topics()
    if not context.args:
        await _topic_keyboard(update, known)
        return
    wanted = " ".join(context.args)
    by_key = {t.key: t for t in known}
    # "Breaking News" may be one topic; "news sport" is two.
    items = [wanted] if topic_key(wanted) in by_key else re.split(r"[,\s]+", wanted)
    added, already, unknown = [], [], []
    seen: set[str] = set()
    for item in filter(None, items):
        key = topic_key(item)
        if key in seen:
            continue
        seen.add(key)
        topic = by_key.get(key)
        if topic is None:
            unknown.append(item)
        elif await context.store.subscribe(chat.id, chat.type, _title(chat), topic.key, _now()):
            added.append(topic)
        else:
            already.append(topic)
    lines = []
    if added:
        footer = ". New posts on it will come here."
        lines.append(_names("Subscribed to ", added, footer, PART_LIMIT))
    if already:
        lines.append(_names("This chat already follows ", already, ".", PART_LIMIT))
    if unknown:
        lines.append(_unknown(unknown, known))
    await _reply(update, "\n".join(lines))


async def _topic_keyboard(update: Update, known: Sequence[TopicCount]) -> None:
    if not known:
        await _reply(update, "There are no topics yet: the site has not published anything.")
        return
    top = known[:KEYBOARD_TOPICS]
    buttons = [
        _button(f"{shorten(t.name, 30)} ({t.posts})", callbacks.subscribe_data(t.key)) for t in top
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    more = (
        f" (the {len(top)} biggest; /topics lists all {len(known)})"
        if len(known) > len(top)
        else ""
    )
    await _reply(update, f"Pick a topic to follow{more}:", InlineKeyboardMarkup(rows))


async def unsubscribe(update: Update, context: NewsContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if not await _may_manage(update, context):
        await _reply(update, ADMIN_ONLY)
        return
    followed = await context.store.subscriptions(chat.id)
    if not followed:
        await _reply(update, "This chat follows no topic. /topics shows what there is.")
        return
    if not context.args:
        shown = followed[:KEYBOARD_TOPICS]
        buttons = [[_button(shorten(t.name, 40), callbacks.unsubscribe_data(t.key))] for t in shown]
        more = (
            f" (the first {len(shown)} of {len(followed)}; /unsubscribe TOPIC stops any)"
            if len(followed) > len(shown)
            else ""
        )
        await _reply(
            update, f"Pick a topic to stop following{more}:", InlineKeyboardMarkup(buttons)
        )
        return
    wanted = " ".join(context.args)
    key = topic_key(wanted)
    # Only keys the chat follows reach the database, whatever was typed.
    name = next((t.name for t in followed if t.key == key), None)
    if name is not None and await context.store.unsubscribe(chat.id, key):
        await _reply(update, f"Unsubscribed from {name_html(name)}.")
    else:
        header = f"This chat does not follow {name_html(wanted)}. It follows "
        await _reply(update, _names(header, followed, "."))


async def subscriptions(update: Update, context: NewsContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    followed = await context.store.subscriptions(chat.id)
    if not followed:
        await _reply(
            update, "This chat follows no topic yet. Try /subscribe, or /topics to see them all."
        )
        return
    lines = [f"• {html.escape(shorten(t.name, 100))}" for t in followed]
    footer = "\n\n/unsubscribe to stop one."
    await _reply(update, bounded_list("This chat follows:\n", lines, footer))


async def topics(update: Update, context: NewsContext) -> None:
    known = await context.store.topics()
    if not known:
        await _reply(update, "There are no topics yet: the site has not published anything.")
        return
    lines = [f"• {html.escape(shorten(t.name, 100))} ({t.posts})" for t in known]
    footer = "\n\nFollow one with /subscribe TOPIC."
    await _reply(update, bounded_list("Topics (posts):\n", lines, footer))


async def stop(update: Update, context: NewsContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if not await _may_manage(update, context):
        await _reply(update, ADMIN_ONLY)
        return
    removed = await context.store.stop_chat(chat.id, _now())
    followed = f" and forgot its {removed} subscription(s)" if removed else ""
    await _reply(
        update,
        f"Done: I stopped all messages to this chat{followed}. Send /start to come back.",
    )


# -- admin commands --------------------------------------------------------------------------


async def broadcast(update: Update, context: NewsContext) -> None:
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    assert message is not None and chat is not None and user is not None
    if not _is_admin(update, context):
        await _reply(update, "Sorry, only the site's admins can broadcast.")
        return
    text = message.text or ""
    prefix = re.match(r"/\w+(@\w+)?\s*", text)
    cut = prefix.end() if prefix else 0
    topic = None
    if match := re.match(r"#(\S+)\s*", text[cut:]):
        known = {t.key: t for t in await context.store.topics()}
        topic = known.get(topic_key(match.group(1)))
        if topic is None:
            await _reply(update, _suggestions(match.group(1), list(known.values())))
            return
        cut += match.end()
    plain, body = text[cut:], _html_after(message, cut)
    if not plain.strip():
        await _reply(update, "Usage: /broadcast [#topic] TEXT — I'll show a preview first.")
        return
    if telegram_length(plain) > BROADCAST_TEXT_LIMIT:
        await _reply(
            update,
            f"That is {telegram_length(plain)} characters; a broadcast can have at most "
            f"{BROADCAST_TEXT_LIMIT}.",
        )
        return
    html_text = render_broadcast(body)
    key = topic.key if topic else None
    audience = await context.store.broadcast_audience(key)
    broadcast_id = await context.store.create_broadcast(html_text, key, user.id, chat.id, _now())
    whom = (
        f"the {audience} chats following {shorten(topic.name, 100)}"
        if topic
        else f"all {audience} active chats"
    )
    markup = InlineKeyboardMarkup(
        [
            [
                _button(
                    f"Send to {audience} chats",
                    callbacks.broadcast_data(Action.SEND_BROADCAST, broadcast_id),
                ),
                _button("Cancel", callbacks.broadcast_data(Action.CANCEL_BROADCAST, broadcast_id)),
            ]
        ]
    )
    preview = await message.reply_text(
        f"{html_text}\n\n<i>Preview: this goes to {html.escape(whom)}.</i>",
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        do_quote=False,
    )
    await context.store.set_broadcast_preview(broadcast_id, preview.message_id)


def _html_after(message: Message, cut: int) -> str:
    """The HTML of `message.text[cut:]`, its formatting kept however the cut splits it."""
    text = message.text or ""
    start = telegram_length(text[:cut])  # entity offsets count UTF-16 units
    entities = []
    for entity in message.entities:
        begin, end = max(entity.offset, start), entity.offset + entity.length
        if end > begin:  # entities wholly inside the cut part (the command, #topic) go
            shifted = {**entity.to_dict(), "offset": begin - start, "length": end - begin}
            entities.append(MessageEntity.de_json(shifted, message.get_bot()))
    rest = Message(
        message_id=message.message_id,
        date=message.date,
        chat=message.chat,
        text=text[cut:],
        entities=entities,
    )
    return rest.text_html


async def stats(update: Update, context: NewsContext) -> None:
    if not _is_admin(update, context):
        await _reply(update, "Sorry, /stats is for the site's admins.")
        return
    await _reply(update, format_stats(await context.store.stats()))


def format_stats(numbers: Stats) -> str:
    """The /stats report (also printed by `newsbot stats`)."""
    chats = ", ".join(f"{n} {status}" for status, n in sorted(numbers.chats.items())) or "none"
    deliveries = (
        ", ".join(f"{n} {status}" for status, n in sorted(numbers.deliveries.items())) or "none"
    )
    header = f"<b>Chats</b>: {chats}\n<b>Deliveries</b>: {deliveries}\n<b>Subscriptions</b>:\n"
    if not numbers.subscriptions:
        return header + "none"
    lines = [f"• {html.escape(shorten(t.name, 100))}: {t.chats}" for t in numbers.subscriptions]
    return bounded_list(header, lines)


# -- buttons ----------------------------------------------------------------------------------


async def button(update: Update, context: NewsContext) -> None:
    query = update.callback_query
    assert query is not None
    pressed = callbacks.parse(query.data or "")
    message = query.message
    if pressed is None or not isinstance(message, Message):
        await _answer(query, "This button no longer works.")
        return
    if isinstance(pressed, BroadcastButton):
        await _broadcast_button(query, context, pressed, message)
        return
    if not await _may_manage(update, context):
        await _answer(query, ADMIN_ONLY, alert=True)
        return
    await _topic_button(query, context, pressed, message.chat)


async def _topic_button(
    query: CallbackQuery, context: NewsContext, pressed: TopicButton, chat: Chat
) -> None:
    if pressed.action == Action.SUBSCRIBE:
        known = await context.store.topics()
        key = pressed.topic.resolve(t.key for t in known)
        topic = next((t for t in known if t.key == key), None)
        if topic is None:
            await _answer(query, "That topic no longer exists.")
            return
        await context.store.subscribe(chat.id, chat.type, _title(chat), topic.key, _now())
        await _answer(query, f"Subscribed to {topic.name}")
        await query.edit_message_text(
            f"Subscribed to {name_html(topic.name)}. /subscribe to add another.",
            parse_mode=ParseMode.HTML,
        )
        return
    followed = await context.store.subscriptions(chat.id)
    key = pressed.topic.resolve(t.key for t in followed)
    name = next((t.name for t in followed if t.key == key), None)
    if key is None or name is None or not await context.store.unsubscribe(chat.id, key):
        await _answer(query, "This chat does not follow that topic any more.")
        return
    # The name goes last: a long one is what gets shortened.
    await _answer(query, f"Unsubscribed (/subscribe to follow it again): {name}")


async def _broadcast_button(
    query: CallbackQuery, context: NewsContext, pressed: BroadcastButton, message: Message
) -> None:
    info = await context.store.broadcast(pressed.broadcast_id)
    admin = query.from_user.id in context.settings.admin_ids
    if info is None or info.preview_chat_id != message.chat.id or not admin:
        await _answer(query, "Only the admin who wrote this broadcast can send it.", alert=True)
        return
    if pressed.action == Action.CANCEL_BROADCAST:
        if await context.store.cancel_broadcast(info.id):
            await _answer(query, "Cancelled")
            await query.edit_message_text(
                f"{info.html}\n\n<i>Cancelled: nothing was sent.</i>", parse_mode=ParseMode.HTML
            )
        else:
            await _answer(query, f"Already {info.state}.")
        return
    queued = await context.store.start_broadcast(info.id, _now())
    if queued is None:
        await _answer(query, f"Already {info.state}.")
        return
    await _answer(query, f"Sending to {queued} chats")
    services = context.services
    if services.sender is not None:
        services.sender.wake()
    await query.edit_message_text(
        f"{info.html}\n\n{progress_line(Progress(remaining=queued))}", parse_mode=ParseMode.HTML
    )


def progress_line(progress: Progress, seconds: float | None = None) -> str:
    """The footer of a broadcast preview while it goes out, and its final report."""
    if seconds is None:
        return (
            f"<i>Sending… sent {progress.sent}, failed {progress.failed + progress.blocked}, "
            f"remaining {progress.remaining}</i>"
        )
    return (
        f"<i>Done in {seconds:.0f} s: delivered {progress.sent}, blocked {progress.blocked}, "
        f"failed {progress.failed}.</i>"
    )


# -- chat changes -----------------------------------------------------------------------------


async def migrated(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id:
        await context.store.migrate_chat(message.chat.id, message.migrate_to_chat_id, _now())


async def membership(update: Update, context: NewsContext) -> None:
    change = update.my_chat_member
    if change is not None and change.new_chat_member.status in {
        ChatMember.LEFT,
        ChatMember.BANNED,
    }:
        await context.store.block_chat(change.chat.id, "bot removed from the chat", _now())


async def on_error(update: object, context: NewsContext) -> None:
    logger.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return
    sorry = "Sorry, something went wrong on my side. Please try again in a minute."
    try:
        if update.callback_query is not None:
            # A button press is answered on the button: nothing is posted into the chat.
            await _answer(update.callback_query, sorry)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(sorry)
    except TelegramError:
        logger.warning("could not tell the user about the error", exc_info=True)
