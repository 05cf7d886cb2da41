"""/audit: the last editorial actions (who sent, edited, recalled... and when), for admins."""

from __future__ import annotations

from telegram import Update

from bot.domain.change_texts import AUDIT_ADMINS_ONLY, audit_report
from bot.messaging.context import NewsContext
from bot.messaging.guards import site_admins_only
from bot.messaging.replying import reply
from bot.messaging.routing import command


@site_admins_only(AUDIT_ADMINS_ONLY)
async def audit(update: Update, context: NewsContext) -> None:
    await reply(update, audit_report(await context.store.audit()))


HANDLERS = [command("audit", audit)]
