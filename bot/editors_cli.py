"""The editors' commands of the command line: `newsbot channel add|remove|list`,
`newsbot broadcasts`, `newsbot audit`, and the `--photo` and `--at` options of `newsbot broadcast`.

`bot.cli` adds them to its parser (`add_commands`) and runs them from its COMMANDS table.
"""

from __future__ import annotations

import argparse
import html
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.assembly import open_services
from bot.domain.audit import AuditAction
from bot.domain.broadcast_texts import BROADCAST_CAPTION_LIMIT, time_problem
from bot.domain.broadcasts import BroadcastInfo
from bot.domain.channel_texts import topics_line
from bot.domain.channels import ALL_TOPICS, ChannelInfo, parse_target
from bot.domain.commands import topic_words
from bot.domain.notes import telegram_length
from bot.domain.scheduling import local_time, send_time
from bot.domain.topics import topic_key
from bot.domain.urls import is_web_url
from bot.messaging.audit import audit
from bot.messaging.channel_rights import CannotPost, check_channel
from bot.messaging.compose import broadcast_photo
from bot.settings import Settings
from storage.schema import open_store
from storage.store import Store

CLI_ACTOR = 0  # who the audit records for the command line


class EditorError(Exception):
    """An editors' command cannot go on; the message says why (bot.cli prints it)."""


def add_broadcast_options(cast: argparse.ArgumentParser) -> None:
    cast.add_argument("--photo", metavar="URL", help="send it as this photo (http or https)")
    cast.add_argument("--at", metavar="YYYY-MM-DD HH:MM", help="schedule it for then (in TIMEZONE)")


def photo_and_time(
    settings: Settings, args: argparse.Namespace, now: datetime
) -> tuple[str | None, datetime | None]:
    """`--photo` and `--at`, checked: EditorError says what is wrong."""
    photo: str | None = args.photo
    if photo is not None and not (is_web_url(photo) and broadcast_photo(photo)):
        raise EditorError(f"--photo must be an http(s) URL, got {photo!r}")
    if photo is not None and telegram_length(args.text) > BROADCAST_CAPTION_LIMIT:
        raise EditorError(
            f"a broadcast with a photo has at most {BROADCAST_CAPTION_LIMIT} characters"
        )
    if args.at is None:
        return photo, None
    send_at = send_time(args.at, settings.timezone)
    problem = time_problem(send_at, now, settings.timezone)
    if problem is not None:
        raise EditorError(_plain(problem).replace("/broadcast at", "--at"))
    return photo, send_at


async def schedule(
    store: Store, broadcast_id: int, send_at: datetime, zone: ZoneInfo, now: datetime
) -> None:
    await store.schedule_broadcast(broadcast_id)
    await audit(
        store, CLI_ACTOR, AuditAction.BROADCAST_SCHEDULED, f"#{broadcast_id} at {send_at}", now
    )
    print(
        f"broadcast {broadcast_id} scheduled for {local_time(send_at, zone)}: a running "
        "`newsbot run` starts it then"
    )


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    casts = commands.add_parser("broadcasts", help="recent and scheduled broadcasts, with counts")
    casts.add_argument("--limit", type=int, default=20, help="how many recent ones (20)")
    channel = commands.add_parser("channel", help="the site's channels the bot posts to")
    channel.add_argument("action", choices=["add", "remove", "list"])
    channel.add_argument("target", nargs="?", help="@name or the -100… id of the channel")
    channel.add_argument("topics", nargs="*", help="topics it gets (none or `all`: every one)")
    commands.add_parser("audit", help="the last editorial actions: who did what, when")


def _plain(text: str) -> str:
    """Our HTML replies as terminal text."""
    for tag in ("<b>", "</b>", "<i>", "</i>"):
        text = text.replace(tag, "")
    return html.unescape(text)


async def channel_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "list":
        store = await open_store(settings.database_url)
        try:
            _print_channels(await store.channels(), await _names(store))
        finally:
            await store.close()
        return 0
    target = parse_target(args.target or "")
    if target is None:
        raise EditorError("say which channel: @name or its -100… id")
    if args.action == "remove":
        return await _remove_channel(settings, target)
    return await _add_channel(settings, target, args.topics)


async def _names(store: Store) -> dict[str, str]:
    return {t.key: t.name for t in await store.topics()}


def _print_channels(channels: list[ChannelInfo], names: dict[str, str]) -> None:
    if not channels:
        print("no channel")
    for channel in channels:
        print(f"{channel.name}\t{channel.chat_id}\t{channel.status}\t{topics_line(channel, names)}")


async def _remove_channel(settings: Settings, target: str | int) -> int:
    store = await open_store(settings.database_url)
    try:
        found = await store.find_channel(target)
        if found is None:
            raise EditorError(f"{target} is not one of the channels the bot posts to")
        await store.remove_channel(found.chat_id)
        now = datetime.now(UTC)
        await audit(
            store, CLI_ACTOR, AuditAction.CHANNEL_REMOVED, f"{found.name} ({found.chat_id})", now
        )
    finally:
        await store.close()
    print(f"removed {found.name}")
    return 0


async def _add_channel(settings: Settings, target: str | int, words: list[str]) -> int:
    settings.require_token()
    async with open_services(settings, wait_for_database=False) as services:
        store = services.store
        names = await _names(store)
        wanted = [] if " ".join(words).strip().casefold() in {"", "all"} else words
        keys = [topic_key(word) for word in topic_words(" ".join(wanted), names)]
        unknown = [key for key in keys if key not in names]
        if unknown:
            raise EditorError(f"unknown topic(s): {', '.join(unknown)} (see /topics in the bot)")
        async with services.sender.bot as bot:
            try:
                found = await check_channel(bot, target)
            except CannotPost as refusal:
                raise EditorError(_plain(str(refusal))) from None
        now = datetime.now(UTC)
        info = await store.add_channel(
            found.chat_id, found.title, found.username, keys or [ALL_TOPICS], CLI_ACTOR, now
        )
        await audit(
            store, CLI_ACTOR, AuditAction.CHANNEL_ADDED, f"{info.name} ({info.chat_id})", now
        )
        print(f"added {info.name}: it gets the notes of {topics_line(info, names)}")
    return 0


async def audit_command(settings: Settings, args: argparse.Namespace) -> int:
    store = await open_store(settings.database_url)
    try:
        entries = await store.audit()
    finally:
        await store.close()
    if not entries:
        print("No editorial action recorded yet.")
    for entry in entries:
        who = "shell" if entry.actor == CLI_ACTOR else entry.actor
        print(f"{entry.at:%Y-%m-%d %H:%M:%S} UTC  {who}  {entry.action}  {entry.detail}")
    return 0


async def broadcasts_command(settings: Settings, args: argparse.Namespace) -> int:
    store = await open_store(settings.database_url)
    try:
        zone = settings.timezone
        scheduled = await store.scheduled_broadcasts()
        recent = await store.recent_broadcasts(max(1, args.limit))
        print(f"scheduled: {len(scheduled)}")
        for info in scheduled:
            assert info.send_at is not None
            print(f"  #{info.id}\t{local_time(info.send_at, zone)}\t{_summary(info)}")
        print("recent:")
        for info in recent:
            progress = await store.broadcast_progress(info.id)
            counts = (
                f"sent {progress.sent}, blocked {progress.blocked}, failed {progress.failed}, "
                f"remaining {progress.remaining}"
            )
            when = local_time(info.send_at or info.started_at or info.created_at, zone)
            print(f"  #{info.id}\t{info.state}\t{when}\t{counts}\t{_summary(info)}")
    finally:
        await store.close()
    return 0


def _summary(info: BroadcastInfo) -> str:
    text = _plain(re.sub(r"<[^>]*>", "", info.html)).replace("\n", " ")
    photo = "[photo] " if info.photo else ""
    return photo + (text if len(text) <= 60 else text[:59] + "…")


COMMANDS = {
    "channel": channel_command,
    "broadcasts": broadcasts_command,
    "audit": audit_command,
}
