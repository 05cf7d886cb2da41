"""/settings: the chat's choices in one message, changed in place by its buttons; its time zone
and language pages take the menu's place until a choice (or "‹ Back") brings it back."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.domain import callbacks, language_texts, schedule_texts
from bot.domain.callbacks import (
    Action,
    LanguageButton,
    SettingsButton,
    SettingsPage,
    SettingsPageButton,
)
from bot.domain.i18n import _, supported, use_language
from bot.domain.schedules import ChatSettings, TimezoneChange
from bot.domain.settings_menu import Row, back_row, menu, timezone_rows
from bot.domain.texts import STALE_BUTTON
from bot.messaging import keyboards
from bot.messaging.context import NewsContext
from bot.messaging.guards import chat_managers_only
from bot.messaging.handlers.language import choose, show_menu
from bot.messaging.handlers.schedules import change, current, known_zones, zone_view
from bot.messaging.replying import answer, edit_in_place, reply
from bot.messaging.routing import button, command

View = tuple[str, InlineKeyboardMarkup]


def _buttons(rows: list[Row]) -> list[list[InlineKeyboardButton]]:
    return [
        [keyboards.button(b.label, callbacks.settings_data(b.target)) for b in row] for row in rows
    ]


def view(context: NewsContext, settings: ChatSettings) -> View:
    """The menu's text and buttons for these settings."""
    text = schedule_texts.settings_text(settings, *zone_view(context, settings))
    return text, InlineKeyboardMarkup(_buttons(menu(settings)))


def timezone_view(context: NewsContext, settings: ChatSettings) -> View:
    """The page of time zones: the chat's, the default, and common ones near the chat's."""
    zone, local_now = zone_view(context, settings)
    now = context.now()
    rows = timezone_rows(
        zone,
        context.settings.timezone.key,
        known_zones(),
        lambda name: now.astimezone(ZoneInfo(name)),
    )
    return schedule_texts.timezone_page(zone, local_now), InlineKeyboardMarkup(_buttons(rows))


def language_view() -> View:
    """The page of languages, as /language shows them, each choice leading back to the menu."""
    rows = [keyboards.language_row(callbacks.settings_language_data), *_buttons([back_row()])]
    return language_texts.choose_language(), InlineKeyboardMarkup(rows)


@chat_managers_only()
async def settings(update: Update, context: NewsContext) -> None:
    await reply(update, *view(context, await current(update, context)))


@chat_managers_only()
async def settings_pressed(
    update: Update, context: NewsContext, pressed: SettingsButton, message: Message
) -> None:
    query = update.callback_query
    assert query is not None
    wanted = pressed.change
    if wanted is None:  # "‹ Back": the menu again, nothing changed
        await answer(query, "")
        await edit_in_place(query, *view(context, await current(update, context)))
        return
    if isinstance(wanted, TimezoneChange) and wanted.name not in known_zones():
        await answer(query, _(STALE_BUTTON))  # a zone no button of ours carries
        return
    before = await current(update, context)
    chosen = await change(update, context, wanted)
    await answer(query, schedule_texts.saved(changed=chosen != before))
    if chosen == before and not isinstance(wanted, TimezoneChange):
        return  # the menu already shows it (a time zone is chosen on its page: back to the menu)
    await edit_in_place(query, *view(context, chosen))


@chat_managers_only()
async def page_pressed(
    update: Update, context: NewsContext, pressed: SettingsPageButton, message: Message
) -> None:
    query = update.callback_query
    assert query is not None
    await answer(query, "")
    if pressed.page == SettingsPage.LANGUAGE:
        await edit_in_place(query, *language_view())
    else:
        await edit_in_place(query, *timezone_view(context, await current(update, context)))


@chat_managers_only()
async def language_pressed(
    update: Update, context: NewsContext, pressed: LanguageButton, message: Message
) -> None:
    """A language chosen on the menu's page: set as /language sets it, then the menu in it."""
    query = update.callback_query
    assert query is not None
    code = supported(pressed.code)
    if code is None:  # data no button of ours carries
        await answer(query, _(STALE_BUTTON))
        return
    await choose(update, context, code)
    settings = await current(update, context)
    with use_language(code):
        await answer(query, language_texts.language_set())
        await edit_in_place(query, *view(context, settings))
    await show_menu(update, context, code)


HANDLERS = [
    command("settings", settings),
    button(Action.SETTINGS, SettingsButton, settings_pressed),
    button(Action.SETTINGS_PAGE, SettingsPageButton, page_pressed),
    button(Action.SETTINGS_LANGUAGE, LanguageButton, language_pressed),
]
