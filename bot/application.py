"""Wiring: one place that builds the Application with its handlers and scheduled jobs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from bot import handlers
from bot.context import NewsApplication, NewsContext, Services
from bot.delivery import TelegramRateLimiter, shared_limiter
from bot.scanning.scan import ContentDirMissing, scan
from bot.settings import Settings
from storage.locks import DATABASE_ERRORS
from storage.store import Store

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 3.0  # seconds between edits of a broadcast's progress report


def build_application(settings: Settings, store: Store) -> NewsApplication:
    """The bot: handlers, error handler, the scan and broadcast-progress jobs."""
    limiter = shared_limiter(settings, store)
    application: NewsApplication = (
        Application.builder()
        .token(settings.require_token())
        .base_url(settings.api_url)
        .context_types(ContextTypes(context=NewsContext))
        .rate_limiter(TelegramRateLimiter(limiter))
        .build()
    )
    application.bot_data["services"] = Services(settings, store, limiter)

    for name, callback in [
        ("start", handlers.start),
        ("help", handlers.help_command),
        ("subscribe", handlers.subscribe),
        ("unsubscribe", handlers.unsubscribe),
        ("subscriptions", handlers.subscriptions),
        ("topics", handlers.topics),
        ("stop", handlers.stop),
        ("broadcast", handlers.broadcast),
        ("stats", handlers.stats),
    ]:
        # New messages only: editing an old /broadcast must not make a second draft.
        application.add_handler(CommandHandler(name, callback, filters.UpdateType.MESSAGE))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, handlers.migrated))
    application.add_handler(
        ChatMemberHandler(handlers.membership, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_error_handler(handlers.on_error)

    jobs = application.job_queue
    assert jobs is not None, "install python-telegram-bot[job-queue]"
    jobs.run_repeating(scan_job, interval=settings.scan_interval, first=0, name="scan")
    jobs.run_repeating(progress_job, interval=PROGRESS_INTERVAL, first=PROGRESS_INTERVAL)
    return application


async def scan_job(context: NewsContext) -> None:
    """Scan the content folder, when this process is the one that polls and scans."""
    services = context.services
    # The scan at gaining the lease and the repeating one may meet: two scans at once would
    # both read (and both log) the same changed files.
    if not services.leading or services.scanning.locked():
        return
    try:
        async with services.scanning:
            result = await scan(services.store, services.settings, stop=services.stopping)
    except ContentDirMissing as exc:
        if not services.content_missing:
            logger.error("%s: nothing to scan until it exists", exc)
        services.content_missing = True
        return
    except DATABASE_ERRORS as exc:
        # The next scan tries again; the poller stops by itself if the outage lasts.
        services.jobs_database.failed(exc)
        return
    services.jobs_database.ok()
    services.content_missing = False
    if result.announced and services.sender is not None:
        services.sender.wake()


async def progress_job(context: NewsContext) -> None:
    """Edit each running broadcast's preview with its progress, then with its report."""
    services = context.services
    if not services.leading:
        return
    try:
        await _report_progress(context)
    except DATABASE_ERRORS as exc:
        services.jobs_database.failed(exc)


async def _report_progress(context: NewsContext) -> None:
    services = context.services
    store = services.store
    for info in await store.sending_broadcasts():
        progress = await store.broadcast_progress(info.id)
        now = datetime.now(UTC)
        if progress.done:
            if not await store.finish_broadcast(info.id, now):
                continue
            seconds = (now - (info.started_at or now)).total_seconds()
            footer = handlers.progress_line(progress, seconds)
        else:
            footer = handlers.progress_line(progress)
        if info.preview_chat_id is None or info.preview_message_id is None:
            continue
        if services.shown_progress.get(info.id) == footer:
            continue
        services.shown_progress[info.id] = footer
        try:
            await context.bot.edit_message_text(
                f"{info.html}\n\n{footer}",
                chat_id=info.preview_chat_id,
                message_id=info.preview_message_id,
                parse_mode="HTML",
            )
        except TelegramError as exc:
            logger.warning("could not update the report of broadcast %d: %s", info.id, exc)


async def register_commands(bot: ExtBot[None], settings: Settings) -> None:
    """Tell Telegram the command list; admins also see the admin commands."""
    public = [BotCommand(name, text) for name, text in handlers.COMMANDS.items()]
    admin = public + [BotCommand(name, text) for name, text in handlers.ADMIN_COMMANDS.items()]
    await bot.set_my_commands(public, scope=BotCommandScopeDefault())
    for admin_id in sorted(settings.admin_ids):
        try:
            await bot.set_my_commands(admin, scope=BotCommandScopeChat(admin_id))
        except TelegramError as exc:
            # Telegram knows no private chat with an admin who never opened the bot.
            logger.info("admin commands not shown to %d yet: %s", admin_id, exc.message)
