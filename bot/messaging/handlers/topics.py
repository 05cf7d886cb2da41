"""/topics: every category and tag, with post counts."""

from __future__ import annotations

from telegram import Update

from bot.domain import texts
from bot.domain.i18n import _
from bot.messaging.context import NewsContext
from bot.messaging.replying import reply
from bot.messaging.routing import command


async def topics(update: Update, context: NewsContext) -> None:
    known = await context.store.topics()
    await reply(update, texts.topics(known) if known else _(texts.NO_TOPICS_YET))


HANDLERS = [command("topics", topics)]
