"""/timezone, /digest, /quiet and /previews: when and how a chat hears from the bot."""

from __future__ import annotations

import functools
import zoneinfo
from datetime import datetime, tzinfo

from telegram import Update

from bot.domain import schedule_texts as texts
from bot.domain.schedule_commands import match_zone, parse_digest, parse_quiet, parse_switch
from bot.domain.schedules import ChatSettings, SettingChange, TimezoneChange
from bot.messaging.context import NewsContext
from bot.messaging.guards import chat_managers_only
from bot.messaging.handlers.subscriptions import chat_title
from bot.messaging.replying import reply
from bot.messaging.routing import command


@functools.cache
def known_zones() -> frozenset[str]:
    """The IANA zone names this machine has."""
    return frozenset(zoneinfo.available_timezones())


def chat_zone(context: NewsContext, settings: ChatSettings) -> tuple[str, tzinfo]:
    """The chat's time zone (its /timezone, else TIMEZONE), by name and as a tzinfo."""
    default = context.settings.timezone
    name = settings.timezone or default.key
    try:
        return name, zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return default.key, default


def zone_view(context: NewsContext, settings: ChatSettings) -> tuple[str, datetime]:
    """The chat's time zone by name, and what time it is there now."""
    name, zone = chat_zone(context, settings)
    return name, context.now().astimezone(zone)


async def change(update: Update, context: NewsContext, wanted: SettingChange) -> ChatSettings:
    """Apply one change to the update's chat; its settings after the change."""
    chat = update.effective_chat
    assert chat is not None
    return await context.store.change_chat_settings(
        chat.id, chat.type, chat_title(chat), wanted, context.now(), context.settings.timezone
    )


async def current(update: Update, context: NewsContext) -> ChatSettings:
    chat = update.effective_chat
    assert chat is not None
    return await context.store.chat_settings(chat.id)


@chat_managers_only()
async def timezone(update: Update, context: NewsContext) -> None:
    if not context.args:
        await reply(
            update, texts.timezone_current(*zone_view(context, await current(update, context)))
        )
        return
    wanted = " ".join(context.args)
    found = match_zone(wanted, known_zones())
    if found.name is None:
        await reply(update, texts.timezone_unknown(wanted, found.suggestions))
        return
    settings = await change(update, context, TimezoneChange(found.name))
    await reply(update, texts.timezone_set(*zone_view(context, settings)))


@chat_managers_only()
async def digest(update: Update, context: NewsContext) -> None:
    schedule = parse_digest(" ".join(context.args or []))
    if schedule is None:
        await reply(update, texts.digest_usage())
        return
    settings = await change(update, context, schedule)
    await reply(update, texts.digest_set(settings.digest, zone_view(context, settings)[0]))


@chat_managers_only()
async def quiet(update: Update, context: NewsContext) -> None:
    wanted = parse_quiet(" ".join(context.args or []))
    if wanted is None:
        await reply(update, texts.quiet_usage())
        return
    settings = await change(update, context, wanted)
    await reply(update, texts.quiet_set(settings.quiet, zone_view(context, settings)[0]))


@chat_managers_only()
async def previews(update: Update, context: NewsContext) -> None:
    wanted = parse_switch(" ".join(context.args or []))
    if wanted is None:
        await reply(update, texts.previews_usage())
        return
    settings = await change(update, context, wanted)
    await reply(update, texts.previews_set(settings.previews))


HANDLERS = [
    command("timezone", timezone),
    command("digest", digest),
    command("quiet", quiet),
    command("previews", previews),
]
