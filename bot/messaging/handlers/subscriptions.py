"""/subscribe, /unsubscribe, /subscriptions, and the topic buttons: what a chat follows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from telegram import Chat, Message, Update

from bot.domain import texts
from bot.domain.callbacks import Action, TopicButton
from bot.domain.commands import topic_words
from bot.domain.i18n import _
from bot.domain.texts import KEYBOARD_TOPICS
from bot.domain.topics import TopicCount, TopicInfo, topic_key
from bot.messaging import keyboards
from bot.messaging.context import NewsContext
from bot.messaging.guards import chat_managers_only
from bot.messaging.replying import answer, reply
from bot.messaging.routing import button, command

Known = TypeVar("Known", TopicCount, TopicInfo)


def chat_title(chat: Chat) -> str:
    return chat.title or chat.full_name or chat.username or ""


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


async def follow(update: Update, context: NewsContext, wanted: str) -> None:
    """Subscribe the chat to the topics in `wanted`; say what was added, known, or unknown."""
    chat = update.effective_chat
    assert chat is not None
    known = await context.store.topics()
    by_key = {t.key: t for t in known}
    added: list[TopicCount] = []
    already: list[TopicCount] = []
    unknown: list[str] = []
    for word in topic_words(wanted, by_key):
        topic = by_key.get(topic_key(word))
        if topic is None:
            unknown.append(word)
        elif await context.store.subscribe(
            chat.id, chat.type, chat_title(chat), topic.key, context.now()
        ):
            added.append(topic)
        else:
            already.append(topic)
    await reply(update, texts.subscribed(added, already, unknown, known))


@chat_managers_only()
async def unsubscribe(update: Update, context: NewsContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    followed = await context.store.subscriptions(chat.id)
    if not followed:
        await reply(update, _(texts.FOLLOWS_NOTHING))
    elif not context.args:
        shown = followed[:KEYBOARD_TOPICS]
        markup = keyboards.topics_to_stop(shown)
        await reply(update, texts.pick_to_stop(len(shown), len(followed)), markup)
    else:
        wanted = " ".join(context.args)
        key = topic_key(wanted)
        # Only keys the chat follows reach the database, whatever was typed.
        name = next((t.name for t in followed if t.key == key), None)
        if name is not None and await context.store.unsubscribe(chat.id, key):
            await reply(update, texts.unsubscribed(name))
        else:
            await reply(update, texts.not_followed(wanted, followed))


async def subscriptions(update: Update, context: NewsContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    followed = await context.store.subscriptions(chat.id)
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
    now = context.now()
    await context.store.subscribe(chat.id, chat.type, chat_title(chat), topic.key, now)
    await answer(query, texts.subscribed_answer(topic.name))
    await query.edit_message_text(texts.subscribed_by_button(topic.name))


@chat_managers_only()
async def unsubscribe_pressed(
    update: Update, context: NewsContext, pressed: TopicButton, message: Message
) -> None:
    query, chat = update.callback_query, message.chat
    assert query is not None
    followed = await context.store.subscriptions(chat.id)
    topic = _resolve(pressed, followed)
    if topic is None or not await context.store.unsubscribe(chat.id, topic.key):
        await answer(query, _(texts.NOT_FOLLOWED_ANY_MORE))
    else:
        await answer(query, texts.unsubscribed_answer(topic.name))


def _resolve(pressed: TopicButton, topics: Sequence[Known]) -> Known | None:
    key = pressed.topic.resolve(t.key for t in topics)
    return next((t for t in topics if t.key == key), None)


HANDLERS = [
    command("subscribe", subscribe),
    command("unsubscribe", unsubscribe),
    command("subscriptions", subscriptions),
    button(Action.SUBSCRIBE, TopicButton, subscribe_pressed),
    button(Action.UNSUBSCRIBE, TopicButton, unsubscribe_pressed),
]
