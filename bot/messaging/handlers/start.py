"""/start, /help and /stop: coming, asking, going."""

from __future__ import annotations

from telegram import Update

from bot.domain import texts
from bot.domain.i18n import _
from bot.messaging.context import NewsContext
from bot.messaging.guards import chat_managers_only, is_site_admin
from bot.messaging.handlers.subscriptions import chat_title, follow
from bot.messaging.replying import reply
from bot.messaging.routing import command


@chat_managers_only(texts.START_REFUSED)
async def start(update: Update, context: NewsContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    await context.store.register_chat(chat.id, chat.type, chat_title(chat), context.now())
    if context.args:  # a deep link from the site: t.me/<bot>?start=<topic>
        await follow(update, context, " ".join(context.args), greet=True)
    else:
        await reply(update, _(texts.WELCOME))


async def help_command(update: Update, context: NewsContext) -> None:
    await reply(update, texts.help_text(admin=is_site_admin(update, context)))


@chat_managers_only()
async def stop(update: Update, context: NewsContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    removed = await context.store.stop_chat(chat.id, context.now())
    await reply(update, texts.stopped(removed))


HANDLERS = [command("start", start), command("help", help_command), command("stop", stop)]
