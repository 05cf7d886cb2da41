"""/language and its buttons: the language the bot speaks in a chat."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.domain import language_texts
from bot.domain.callbacks import Action, LanguageButton
from bot.domain.i18n import _, current_language, supported, use_language
from bot.domain.texts import STALE_BUTTON
from bot.messaging import keyboards
from bot.messaging.context import NewsContext
from bot.messaging.guards import chat_managers_only, is_site_admin
from bot.messaging.handlers.subscriptions import chat_title
from bot.messaging.menus import show_commands_in
from bot.messaging.replying import answer, edit_in_place, reply
from bot.messaging.routing import button, command

logger = logging.getLogger(__name__)


@chat_managers_only()
async def language(update: Update, context: NewsContext) -> None:
    """/language: the buttons; /language CODE: that language, if we speak it."""
    if not context.args:
        await reply(update, language_texts.choose_language(), keyboards.languages())
        return
    wanted = " ".join(context.args)
    code = supported(wanted)
    if code is None:
        await reply(update, language_texts.unknown_language(wanted))
        return
    await choose(update, context, code)
    with use_language(code):
        await reply(update, language_texts.language_set())
    await show_menu(update, context, code)


@chat_managers_only()
async def language_pressed(
    update: Update, context: NewsContext, pressed: LanguageButton, message: Message
) -> None:
    query = update.callback_query
    assert query is not None
    code = supported(pressed.code)
    if code is None:  # data no button of ours carries
        await answer(query, _(STALE_BUTTON))
        return
    if code == current_language():  # a double tap: the keyboard already shows it
        await answer(query, language_texts.language_set())
        return
    await choose(update, context, code)
    with use_language(code):
        await answer(query, language_texts.language_set())
        await edit_in_place(query, language_texts.choose_language(), keyboards.languages())
    await show_menu(update, context, code)


async def choose(update: Update, context: NewsContext, code: str) -> None:
    """Speak `code` in the chat from now on."""
    chat = update.effective_chat
    assert chat is not None
    await context.store.set_chat_language(chat.id, chat.type, chat_title(chat), code, context.now())


async def show_menu(update: Update, context: NewsContext, code: str) -> None:
    """The chat's command menu in its language, whatever its members' apps speak."""
    chat = update.effective_chat
    assert chat is not None
    admin = chat.type == ChatType.PRIVATE and is_site_admin(update, context)
    try:
        await show_commands_in(context.bot, chat.id, code, admin=admin)
    except TelegramError as exc:  # the menu is a convenience: the choice stands without it
        logger.warning("command menu of chat %d not changed: %s", chat.id, exc)


HANDLERS = [
    command("language", language),
    button(Action.LANGUAGE, LanguageButton, language_pressed),
]
