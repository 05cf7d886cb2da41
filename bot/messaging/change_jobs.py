"""The scheduled job that shows, in a broadcast's report, how its edit or recall is going."""

from __future__ import annotations

import logging

from telegram.error import BadRequest, TelegramError

from bot.domain.change_texts import change_line
from bot.domain.states import ChangeKind
from bot.messaging import keyboards
from bot.messaging.context import NewsContext
from storage.locks import is_outage

logger = logging.getLogger("bot.messaging.jobs")


async def change_progress_job(context: NewsContext) -> None:
    """Edit the report of each broadcast being edited or recalled with its progress, then its
    final count (and, after an edit, the Edit and Recall buttons again)."""
    services = context.services
    if not services.leading:
        return
    try:
        await _report_changes(context)
    except Exception as exc:
        if not is_outage(exc):
            raise
        services.jobs_database.failed(exc)


async def _report_changes(context: NewsContext) -> None:
    services, store = context.services, context.store
    for info in await store.changing_broadcasts():
        kind = info.change
        assert kind is not None
        counts = await store.change_progress(info.id, kind)
        final = counts.remaining == 0
        if final and not await store.finish_change(info.id, kind):
            continue
        footer = change_line(kind, counts, final)
        if info.preview_chat_id is None or info.preview_message_id is None:
            continue
        if services.shown_changes.get(info.id) == footer:
            continue
        services.shown_changes[info.id] = footer
        markup = keyboards.edit_or_recall(info.id) if final and kind == ChangeKind.EDIT else None
        text = f"{info.html}\n\n{footer}"
        try:
            await context.bot.edit_message_text(
                text,
                chat_id=info.preview_chat_id,
                message_id=info.preview_message_id,
                reply_markup=markup,
            )
        except BadRequest as exc:
            if not final or "can't be edited" not in exc.message.lower():
                logger.warning("could not update the report of broadcast %d: %s", info.id, exc)
                continue
            # A report past Telegram's 48 hours: the final count comes as a new message.
            await context.bot.send_message(info.preview_chat_id, text, reply_markup=markup)
        except TelegramError as exc:
            logger.warning("could not update the report of broadcast %d: %s", info.id, exc)
