"""/subscribe, /unsubscribe, /subscriptions, and the topic buttons: what a chat follows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from telegram import Chat, Message, Update

from bot.domain import contact_texts, texts
from bot.domain.callbacks import Action, TopicButton, resubscribe_data, unsubscribe_data
from bot.domain.commands import topic_words
from bot.domain.everything import ALL, everything, means_all, named
from bot.domain.forums import GENERAL, thread_id
from bot.domain.i18n import _
from bot.domain.suggestions import PER_WORD, closest
from bot.domain.texts import KEYBOARD_TOPICS
from bot.domain.topics import TopicCount, TopicInfo, topic_key
from bot.messaging import keyboards
from bot.messaging.context import NewsContext
from bot.messaging.guards import chat_managers_only
from bot.messaging.replying import answer, edit_buttons, edit_in_place, reply
from bot.messaging.routing import button, command

Known = TypeVar("Known", TopicCount, TopicInfo)


def chat_title(chat: Chat) -> str:
    return chat.title or chat.full_name or chat.username or ""


def thread_of(message: Message | None) -> int:
    """The forum topic a message is in (0: the chat itself); subscriptions made there are its."""
    if message is None:
        return GENERAL
    is_forum = bool(message.chat.is_forum)
    return thread_id(is_forum, bool(message.is_topic_message), message.message_thread_id)


@chat_managers_only()
async def subscribe(update: Update, context: NewsContext) -> None:
    if context.args:
        await follow(update, context, " ".join(context.args))
        return
    known = await context.store.topics()
    if not known:
        await reply(update, _(texts.NO_TOPICS_YET))
        return
    shown = known[:KEYBOARD_TOPICS]
    markup = keyboards.topics_to_follow(shown)
    await reply(update, texts.pick_to_follow(len(shown), len(known)), markup)


async def follow(update: Update, context: NewsContext, wanted: str, *, greet: bool = False) -> None:
    """Subscribe the chat to the topics in `wanted`; say what was added, known, or unknown
    (with the closest known topics as buttons); `greet`: a deep link's hello first."""
    chat, thread = update.effective_chat, thread_of(update.effective_message)
    assert chat is not None
    known = await context.store.topics()
    by_key = {t.key: t for t in known}
    added: list[TopicCount] = []
    already: list[TopicCount] = []
    unknown: list[str] = []
    for word in topic_words(wanted, by_key):
        topic = everything() if means_all(word) else by_key.get(topic_key(word))
        if topic is None:
            unknown.append(word)
        elif await context.store.subscribe(
            chat.id, chat.type, chat_title(chat), topic.key, context.now(), thread
        ):
            added.append(topic)
        else:
            already.append(topic)
    text = texts.subscribed(added, already, unknown, known)
    offered = closest(unknown, known) or (known[:PER_WORD] if greet and unknown else [])
    markup = keyboards.topics_to_follow(offered) if offered else None
    await reply(update, contact_texts.greeted(text) if greet else text, markup)


@chat_managers_only()
async def unsubscribe(update: Update, context: NewsContext) -> None:
    chat, thread = update.effective_chat, thread_of(update.effective_message)
    assert chat is not None
    followed = named(await context.store.subscriptions(chat.id, thread=thread))
    if not followed:
        await reply(update, _(texts.FOLLOWS_NOTHING))
    elif not context.args:
        shown = followed[:KEYBOARD_TOPICS]
        markup = keyboards.topics_to_stop(shown)
        await reply(update, texts.pick_to_stop(len(shown), len(followed)), markup)
    else:
        wanted = " ".join(context.args)
        key = ALL if means_all(wanted) else topic_key(wanted)
        # Only keys the chat follows reach the database, whatever was typed.
        name = next((t.name for t in followed if t.key == key), None)
        if name is not None and await context.store.unsubscribe(chat.id, key, thread):
            await reply(update, texts.unsubscribed(name))
        else:
            await reply(update, texts.not_followed(wanted, followed))


async def subscriptions(update: Update, context: NewsContext) -> None:
    chat, thread = update.effective_chat, thread_of(update.effective_message)
    assert chat is not None
    followed = named(await context.store.subscriptions(chat.id, thread=thread))
    await reply(update, texts.subscriptions(followed) if followed else _(texts.FOLLOWS_NOTHING_YET))


@chat_managers_only()
async def subscribe_pressed(
    update: Update, context: NewsContext, pressed: TopicButton, message: Message
) -> None:
    query, chat = update.callback_query, message.chat
    assert query is not None
    known = await context.store.topics()
    topic = _resolve(pressed, known)
    if topic is None:
        await answer(query, _(texts.TOPIC_GONE))
        return
    now, thread = context.now(), thread_of(message)
    await context.store.subscribe(chat.id, chat.type, chat_title(chat), topic.key, now, thread)
    await answer(query, texts.subscribed_answer(topic.name))
    await edit_in_place(query, texts.subscribed_by_button(topic.name))


@chat_managers_only()
async def unsubscribe_pressed(
    update: Update, context: NewsContext, pressed: TopicButton, message: Message
) -> None:
    query, chat = update.callback_query, message.chat
    assert query is not None
    thread = thread_of(message)
    followed = named(await context.store.subscriptions(chat.id, thread=thread))
    topic = _resolve(pressed, followed)
    if topic is None or not await context.store.unsubscribe(chat.id, topic.key, thread):
        await answer(query, _(texts.NOT_FOLLOWED_ANY_MORE))
        return
    await answer(query, texts.unsubscribed_answer(topic.name))
    # The pressed button shows what happened: on a note it becomes an undo, in the
    # /unsubscribe keyboard the topic just left goes away.
    undo = keyboards.button(texts.undo_button(topic.name), resubscribe_data(topic.key))
    new = None if pressed.action == Action.LEAVE else undo
    await edit_buttons(message, keyboards.replaced(message.reply_markup, query.data or "", new))


@chat_managers_only()
async def resubscribe_pressed(
    update: Update, context: NewsContext, pressed: TopicButton, message: Message
) -> None:
    """A note's undo: follow the topic again, and the button is an unsubscribe one again."""
    query, chat = update.callback_query, message.chat
    assert query is not None
    topic = _resolve(pressed, named([everything(), *await context.store.topics()]))
    if topic is None:
        await answer(query, _(texts.TOPIC_GONE))
        return
    now, thread = context.now(), thread_of(message)
    await context.store.subscribe(chat.id, chat.type, chat_title(chat), topic.key, now, thread)
    await answer(query, texts.subscribed_answer(topic.name))
    again = keyboards.button(texts.unsubscribe_button(topic.name), unsubscribe_data(topic.key))
    await edit_buttons(message, keyboards.replaced(message.reply_markup, query.data or "", again))


def _resolve(pressed: TopicButton, topics: Sequence[Known]) -> Known | None:
    key = pressed.topic.resolve(t.key for t in topics)
    return next((t for t in topics if t.key == key), None)


HANDLERS = [
    command("subscribe", subscribe),
    command("unsubscribe", unsubscribe),
    command("subscriptions", subscriptions),
    button(Action.SUBSCRIBE, TopicButton, subscribe_pressed),
    button(Action.UNSUBSCRIBE, TopicButton, unsubscribe_pressed),
    button(Action.LEAVE, TopicButton, unsubscribe_pressed),
    button(Action.RESUBSCRIBE, TopicButton, resubscribe_pressed),
]
