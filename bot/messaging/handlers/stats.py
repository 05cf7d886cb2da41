"""/stats: chats, subscriptions and deliveries, for the site's admins."""

from __future__ import annotations

from telegram import Update

from bot.domain import texts
from bot.messaging.context import NewsContext
from bot.messaging.guards import site_admins_only
from bot.messaging.replying import reply
from bot.messaging.routing import command


@site_admins_only(texts.STATS_ADMINS_ONLY)
async def stats(update: Update, context: NewsContext) -> None:
    await reply(update, texts.format_stats(await context.store.stats()))


HANDLERS = [command("stats", stats)]
