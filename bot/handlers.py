"""Command and button handlers: parse the update, ask the store, reply."""

from __future__ import annotations

import difflib
import html
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from telegram import (
    Chat,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError

from bot import callbacks
from bot.callbacks import shorten
from bot.context import NewsContext
from bot.notifications import TEXT_LIMIT, render_broadcast, telegram_length
from bot.posts import topic_key
from storage.records import Progress, Stats, TopicCount, TopicInfo

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
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in {ChatMember.ADMINISTRATOR, ChatMember.OWNER}


def _is_admin(update: Update, context: NewsContext) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.settings.admin_ids


def _names(topics: Sequence[TopicInfo | TopicCount]) -> str:
    return ", ".join(f"<b>{html.escape(t.name)}</b>" for t in topics)


def _suggestions(wanted: str, known: Sequence[TopicCount]) -> str:
    by_key = {t.key: t for t in known}
    close = difflib.get_close_matches(topic_key(wanted), list(by_key), n=3, cutoff=0.5)
    hint = f" Did you mean {_names([by_key[k] for k in close])}?" if close else ""
    return f"I don't know the topic <b>{html.escape(wanted)}</b>.{hint} See /topics for all."


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
    for item in filter(None, items):
        topic = by_key.get(topic_key(item))
        if topic is None:
            unknown.append(item)
        elif await context.store.subscribe(chat.id, chat.type, _title(chat), topic.key, _now()):
            added.append(topic)
        else:
            already.append(topic)
    lines = []
    if added:
        lines.append(f"Subscribed to {_names(added)}. New posts on it will come here.")
    if already:
        lines.append(f"This chat already follows {_names(already)}.")
    lines += [_suggestions(item, known) for item in unknown]
    await _reply(update, "\n".join(lines))


async def _topic_keyboard(update: Update, known: Sequence[TopicCount]) -> None:
    if not known:
        await _reply(update, "There are no topics yet: the site has not published anything.")
        return
    top = known[:KEYBOARD_TOPICS]
    buttons = [
        InlineKeyboardButton(
            f"{shorten(t.name, 30)} ({t.posts})", callback_data=callbacks.subscribe_data(t.key)
        )
        for t in top
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
        buttons = [
            [
                InlineKeyboardButton(
                    shorten(t.name, 40), callback_data=callbacks.unsubscribe_data(t.key)
                )
            ]
            for t in followed
        ]
        await _reply(update, "Pick a topic to stop following:", InlineKeyboardMarkup(buttons))
        return
    wanted = " ".join(context.args)
    key = topic_key(wanted)
    if await context.store.unsubscribe(chat.id, key):
        name = next((t.name for t in followed if t.key == key), wanted)
        await _reply(update, f"Unsubscribed from <b>{html.escape(name)}</b>.")
    else:
        await _reply(
            update,
            f"This chat does not follow <b>{html.escape(wanted)}</b>. "
            f"It follows {_names(followed)}.",
        )


async def subscriptions(update: Update, context: NewsContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    followed = await context.store.subscriptions(chat.id)
    if not followed:
        await _reply(
            update, "This chat follows no topic yet. Try /subscribe, or /topics to see them all."
        )
        return
    lines = [f"• {html.escape(t.name)}" for t in followed]
    await _reply(
        update, "This chat follows:\n" + "\n".join(lines) + "\n\n/unsubscribe to stop one."
    )


async def topics(update: Update, context: NewsContext) -> None:
    known = await context.store.topics()
    if not known:
        await _reply(update, "There are no topics yet: the site has not published anything.")
        return
    header = "Topics (posts):\n"
    footer = "\n\nFollow one with /subscribe TOPIC."
    lines: list[str] = []
    # Room for the list: Telegram's limit, less the frame and an "… and N more" line.
    room = TEXT_LIMIT - telegram_length(header + footer) - 40
    for shown, topic in enumerate(known):
        visible = f"• {topic.name} ({topic.posts})"  # what the user sees: escapes count once
        room -= telegram_length(visible) + 1
        if room < 0:
            lines.append(f"… and {len(known) - shown} more")
            break
        lines.append(f"• {html.escape(topic.name)} ({topic.posts})")
    await _reply(update, header + "\n".join(lines) + footer)


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
    body = re.sub(r"^/\w+(@\w+)?\s*", "", message.text_html or "", count=1)
    plain = re.sub(r"^/\w+(@\w+)?\s*", "", message.text or "", count=1)
    topic = None
    if match := re.match(r"#(\S+)\s*", plain):
        known = {t.key: t for t in await context.store.topics()}
        topic = known.get(topic_key(match.group(1)))
        if topic is None:
            await _reply(update, _suggestions(match.group(1), list(known.values())))
            return
        body = re.sub(r"^#\S+\s*", "", body, count=1)
        plain = plain[match.end() :]
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
        f"the {audience} chats following {topic.name}" if topic else f"all {audience} active chats"
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"Send to {audience} chats",
                    callback_data=callbacks.broadcast_data("bc-send", broadcast_id),
                ),
                InlineKeyboardButton(
                    "Cancel", callback_data=callbacks.broadcast_data("bc-cancel", broadcast_id)
                ),
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
    topics = (
        "\n".join(f"• {html.escape(t.name)}: {t.chats}" for t in numbers.subscriptions[:50])
        or "none"
    )
    return (
        f"<b>Chats</b>: {chats}\n<b>Deliveries</b>: {deliveries}\n<b>Subscriptions</b>:\n{topics}"
    )


# -- buttons ----------------------------------------------------------------------------------


async def button(update: Update, context: NewsContext) -> None:
    query = update.callback_query
    assert query is not None
    pressed = callbacks.parse(query.data or "")
    message = query.message
    if pressed is None or not isinstance(message, Message):
        await query.answer("This button no longer works.")
        return
    if pressed.action.startswith("bc-"):
        await _broadcast_button(update, context, pressed, message)
        return
    if not await _may_manage(update, context):
        await query.answer(ADMIN_ONLY, show_alert=True)
        return
    chat = message.chat
    if pressed.action == "sub":
        known = await context.store.topics()
        key = callbacks.resolve_topic(pressed.value, [t.key for t in known])
        topic = next((t for t in known if t.key == key), None)
        if topic is None:
            await query.answer("That topic no longer exists.")
            return
        await context.store.subscribe(chat.id, chat.type, _title(chat), topic.key, _now())
        await query.answer(f"Subscribed to {topic.name}")
        await query.edit_message_text(
            f"Subscribed to <b>{html.escape(topic.name)}</b>. /subscribe to add another.",
            parse_mode=ParseMode.HTML,
        )
    else:
        followed = await context.store.subscriptions(chat.id)
        key = callbacks.resolve_topic(pressed.value, [t.key for t in followed])
        name = next((t.name for t in followed if t.key == key), None)
        if key is None or name is None or not await context.store.unsubscribe(chat.id, key):
            await query.answer("This chat does not follow that topic any more.")
            return
        await query.answer(f"Unsubscribed from {name}. /subscribe to follow it again.")


async def _broadcast_button(
    update: Update, context: NewsContext, pressed: callbacks.Button, message: Message
) -> None:
    query = update.callback_query
    assert query is not None
    info = await context.store.broadcast(int(pressed.value)) if pressed.value.isdigit() else None
    if info is None or info.preview_chat_id != message.chat.id or not _is_admin(update, context):
        await query.answer("Only the admin who wrote this broadcast can send it.", show_alert=True)
        return
    if pressed.action == "bc-cancel":
        if await context.store.cancel_broadcast(info.id):
            await query.answer("Cancelled")
            await query.edit_message_text(
                f"{info.html}\n\n<i>Cancelled: nothing was sent.</i>", parse_mode=ParseMode.HTML
            )
        else:
            await query.answer(f"Already {info.state}.")
        return
    queued = await context.store.start_broadcast(info.id, _now())
    if queued is None:
        await query.answer(f"Already {info.state}.")
        return
    await query.answer(f"Sending to {queued} chats")
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
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(
                "Sorry, something went wrong on my side. Please try again in a minute."
            )
        except TelegramError:
            logger.warning("could not tell the user about the error", exc_info=True)
