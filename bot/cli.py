"""The `newsbot` command line: run, worker, scan, preview, broadcast, stats, deliveries, db."""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import signal
import sys
import time
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram.error import InvalidToken, NetworkError

from bot import editors_cli, runner
from bot.assembly import open_services
from bot.domain.delivery_log import DeliveryQuery
from bot.domain.delivery_log import table as delivery_table
from bot.domain.notes import render_broadcast, render_post
from bot.domain.posts import MalformedPost, Post
from bot.domain.texts import progress_line, unsubscribe_button
from bot.domain.topics import topic_key
from bot.domain.waiting import sleep_unless
from bot.editors_cli import EditorError
from bot.logs import configure_logging, log_broadcast
from bot.messaging.context import Services
from bot.scanning.files import read_post
from bot.scanning.git import GitContent
from bot.scanning.scan import ContentDirMissing, scan
from bot.settings import Settings, SettingsError
from storage.schema import (
    DatabaseUnreachable,
    SchemaOutOfDate,
    current_revision,
    head_revision,
    open_store,
    snapshot_store,
    upgrade,
)


class CommandError(Exception):
    """A command cannot go on; the message says why and what to do."""


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="newsbot",
        description="Announce new posts of a Jekyll-style site to Telegram subscribers.",
        epilog="Settings come from the environment and a .env file; see README.md.",
    )
    main.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="poll Telegram, scan CONTENT_DIR and send (the bot)")
    commands.add_parser("worker", help="only send queued notifications (PostgreSQL)")
    scan_cmd = commands.add_parser("scan", help="scan CONTENT_DIR once")
    scan_cmd.add_argument(
        "--dry-run", action="store_true", help="print what would be announced; change nothing"
    )
    preview = commands.add_parser("preview", help="print the notification a post would produce")
    preview.add_argument("file", type=Path)
    cast = commands.add_parser("broadcast", help="send a message to every active chat")
    cast.add_argument("text", help="the message (plain text)")
    cast.add_argument("--topic", help="only the chats that follow this topic")
    cast.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    commands.add_parser("stats", help="chats, subscriptions and deliveries")
    sent = commands.add_parser(
        "deliveries", help="what was sent, when, and what failed and why (newest first)"
    )
    sent.add_argument("--failed", action="store_true", help="only what did not get through")
    which = sent.add_mutually_exclusive_group()
    which.add_argument("--post", metavar="FILE", help="only this post's notes")
    which.add_argument("--broadcast", metavar="ID", type=int, help="only this broadcast")
    sent.add_argument("--chat", metavar="ID", type=int, help="only this chat")
    sent.add_argument("--limit", metavar="N", type=_positive, default=50, help="at most N rows")
    sent.add_argument("--json", action="store_true", help="one JSON object per row")
    editors_cli.add_commands(commands)
    db = commands.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        configure_logging(settings, verbose=args.verbose)
        command: Coroutine[Any, Any, int] = COMMANDS[args.command](settings, args)
        return asyncio.run(command)
    except (
        SettingsError,
        SchemaOutOfDate,
        DatabaseUnreachable,
        ContentDirMissing,
        CommandError,
        EditorError,
    ) as exc:
        print(f"newsbot: error: {exc}", file=sys.stderr)
        return 2
    except InvalidToken:
        print("newsbot: error: Telegram rejected TELEGRAM_BOT_TOKEN", file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(f"newsbot: error: cannot reach the Telegram Bot API: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def run_command(settings: Settings, args: argparse.Namespace) -> int:
    await runner.run(settings, _stop_on_signals())
    return 0


async def worker_command(settings: Settings, args: argparse.Namespace) -> int:
    await runner.work(settings, _stop_on_signals())
    return 0


async def scan_command(settings: Settings, args: argparse.Namespace) -> int:
    settings = await _pull_content(settings)
    if args.dry_run:
        # A dry run writes nothing: not even the SQLite file, its -wal, or a migration.
        async with snapshot_store(settings.database_url) as copy:
            result = await scan(copy, settings, dry_run=True)
    else:
        store = await open_store(settings.database_url)
        try:
            result = await scan(store, settings)
        finally:
            await store.close()
    would = "would be" if args.dry_run else "were"
    if result.first_scan:
        print(
            f"First scan of this database: {result.recorded_silently} published post(s) "
            f"{would} recorded as already announced, none sent."
        )
    for post in result.announced:
        print(f"{'would announce' if args.dry_run else 'announced'}: {post.path}")
        print(f"    {post.title}\n    {post.url}\n    to {post.recipients} chat(s)")
    for due in result.waiting_live:
        print(
            f"{'would wait' if args.dry_run else 'waiting'} until live: {due.path}\n    {due.url}"
        )
    if not result.announced and not result.waiting_live:
        print("Nothing new to announce.")
    # Apart from the above: these reveal nothing (not even their topics) until their date.
    for waiting in result.scheduled:
        when = waiting.date.astimezone(settings.timezone).isoformat(" ", "seconds")
        print(f"scheduled: {waiting.path} at {when}")
    for problem in result.malformed:
        print(f"malformed, skipped: {problem.path}: {problem.reason}")
    return 0


async def _pull_content(settings: Settings) -> Settings:
    """With CONTENT_GIT: the clone brought up to date (or as it was), settings read again."""
    repo = GitContent.from_settings(settings)
    if repo is not None and not await repo.pull() and not repo.ready:
        raise CommandError(f"cannot fetch CONTENT_GIT {repo.url.redacted} and no copy yet")
    return settings.reread()


async def preview_command(settings: Settings, args: argparse.Namespace) -> int:
    try:
        post = _read_any_post(args.file, settings)
    except MalformedPost as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return 1
    note = render_post(
        title=post.title,
        excerpt=post.excerpt,
        url=post.url(settings.site_url),
        topics=[t.name for t in post.topics],
        photo=post.image_url(settings.site_url),
    )
    if not post.published:
        print("(published: false — this post is a draft and will not be announced)")
    print(f"photo: {note.photo}\ncaption (HTML):" if note.photo else "message (HTML):")
    print(note.html)
    print("buttons: " + ", ".join(f"[{unsubscribe_button(t.name)}]" for t in post.topics))
    return 0


def _read_any_post(file: Path, settings: Settings) -> Post:
    """Read a post from CONTENT_DIR or from anywhere else (its folder is then the root)."""
    root = settings.content_dir
    if not file.resolve().is_relative_to(root.resolve()):
        root = file.parent
    return read_post(root, file, tz=settings.timezone, links=settings.permalinks)


async def broadcast_command(settings: Settings, args: argparse.Namespace) -> int:
    settings.require_token()
    async with open_services(settings, wait_for_database=False) as services:
        store = services.store
        topic = None
        if args.topic:
            known = {t.key: t for t in await store.topics()}
            found = known.get(topic_key(args.topic))
            if found is None:
                raise CommandError(f"unknown topic {args.topic!r} (see /topics in the bot)")
            topic = found.key
        audience = await store.broadcast_audience(topic)
        if audience == 0:
            print("No active chat would receive it; nothing sent.")
            return 0
        if not args.yes and not _confirm(f"Send to {audience} chat(s)?"):
            print("Cancelled; nothing sent.")
            return 1
        now = datetime.now(UTC)
        text = render_broadcast(html.escape(args.text))
        broadcast_id = await store.create_broadcast(text, topic, 0, None, now)
        await store.start_broadcast(broadcast_id, now)
        await _deliver_with_progress(services, broadcast_id)
    return 0


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise CommandError("not asking without a terminal: add --yes to send")
    return input(f"{question} [y/N] ").strip().lower() in {"y", "yes"}


async def _deliver_with_progress(services: Services, broadcast_id: int) -> None:
    """Send this broadcast's rows from here (a running bot helps), showing a progress bar."""
    store, sender = services.store, services.sender
    stop = _stop_on_signals()
    started = time.monotonic()
    async with sender.bot:
        sending = asyncio.create_task(sender.run(stop, broadcast_id=broadcast_id))
        try:
            while True:
                progress = await store.broadcast_progress(broadcast_id)
                _draw(progress.total - progress.remaining, progress.total)
                if progress.done or await sleep_unless(stop, 0.5):
                    break
        finally:
            stop.set()
            await sending
    progress = await store.broadcast_progress(broadcast_id)
    if progress.done and await store.finish_broadcast(broadcast_id, datetime.now(UTC)):
        info = await store.broadcast(broadcast_id)
        if info is not None:
            log_broadcast(info, progress)
    report = progress_line(progress, time.monotonic() - started)
    print("\n" + report.removeprefix("<i>").removesuffix("</i>"), file=sys.stderr)


def _draw(done: int, total: int) -> None:
    width = 40
    filled = width * done // max(total, 1)
    line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
    if sys.stderr.isatty():
        print(f"\r{line}", end="", file=sys.stderr, flush=True)
    elif done == total:
        print(line, file=sys.stderr)


async def stats_command(settings: Settings, args: argparse.Namespace) -> int:
    store = await open_store(settings.database_url)
    try:
        numbers = await store.stats()
    finally:
        await store.close()
    print("chats:", ", ".join(f"{n} {s}" for s, n in sorted(numbers.chats.items())) or "none")
    print(
        "deliveries:",
        ", ".join(f"{n} {s}" for s, n in sorted(numbers.deliveries.items())) or "none",
    )
    print("subscriptions per topic:")
    for topic in numbers.subscriptions:
        print(f"  {topic.name}: {topic.chats}")
    return 0


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {raw}")
    return value


async def deliveries_command(settings: Settings, args: argparse.Namespace) -> int:
    query = DeliveryQuery(
        failed_only=args.failed,
        post_path=args.post,
        broadcast_id=args.broadcast,
        chat_id=args.chat,
        limit=args.limit,
    )
    store = await open_store(settings.database_url)
    try:
        records = await store.deliveries(query)
    finally:
        await store.close()
    if args.json:
        for record in records:
            print(json.dumps(record.as_json(), ensure_ascii=False))
    elif records:
        print(delivery_table(records))
    else:
        print("No deliveries match.")
    return 0


async def db_command(settings: Settings, args: argparse.Namespace) -> int:
    store = await open_store(settings.database_url, check_schema=False)
    try:
        if args.action == "upgrade":
            before, after = await upgrade(store.engine)
            print(f"schema: {before or 'empty'} -> {after}")
        else:
            current = await current_revision(store.engine)
            print(f"schema: {current or 'empty'} (code: {head_revision()})")
    finally:
        await store.close()
    return 0


COMMANDS = {
    "run": run_command,
    "worker": worker_command,
    "scan": scan_command,
    "preview": preview_command,
    "broadcast": broadcast_command,
    "stats": stats_command,
    "deliveries": deliveries_command,
    "db": db_command,
    **editors_cli.COMMANDS,
}
