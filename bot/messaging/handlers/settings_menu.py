"""/settings: the chat's choices in one message, changed in place by its buttons."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.domain import callbacks, schedule_texts
from bot.domain.callbacks import Action, SettingsButton
from bot.domain.schedules import ChatSettings
from bot.domain.settings_menu import menu
from bot.messaging import keyboards
from bot.messaging.context import NewsContext
from bot.messaging.guards import chat_managers_only
from bot.messaging.handlers.schedules import change, current, zone_view
from bot.messaging.replying import answer, reply
from bot.messaging.routing import button, command


def view(context: NewsContext, settings: ChatSettings) -> tuple[str, InlineKeyboardMarkup]:
    """The menu's text and buttons for these settings."""
    text = schedule_texts.settings_text(settings, *zone_view(context, settings))
    rows = [
        [keyboards.button(b.label, callbacks.settings_data(b.change)) for b in row]
        for row in menu(settings)
    ]
    return text, InlineKeyboardMarkup(rows)


@chat_managers_only()
async def settings(update: Update, context: NewsContext) -> None:
    await reply(update, *view(context, await current(update, context)))


@chat_managers_only()
async def settings_pressed(
    update: Update, context: NewsContext, pressed: SettingsButton, message: Message
) -> None:
    query = update.callback_query
    assert query is not None
    before = await current(update, context)
    chosen = before if pressed.change is None else await change(update, context, pressed.change)
    await answer(query, schedule_texts.saved(changed=chosen != before))
    if chosen == before and pressed.change is not None:
        return  # the menu already shows it
    text, markup = view(context, chosen)
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        # The same choice pressed again: the menu already shows it.
        if "not modified" not in exc.message.lower():
            raise


HANDLERS = [
    command("settings", settings),
    button(Action.SETTINGS, SettingsButton, settings_pressed),
]
