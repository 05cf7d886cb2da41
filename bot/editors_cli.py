"""The editors' commands of the command line: `newsbot channel add|remove|list`.

`bot.cli` adds them to its parser (`add_commands`) and runs them from its COMMANDS table.
"""

from __future__ import annotations

import argparse
import html
from datetime import UTC, datetime

from bot.assembly import open_services
from bot.domain.channel_texts import topics_line
from bot.domain.channels import ALL_TOPICS, ChannelInfo, parse_target
from bot.domain.commands import topic_words
from bot.domain.topics import topic_key
from bot.messaging.audit import audit
from bot.messaging.channel_rights import CannotPost, check_channel
from bot.settings import Settings
from storage.schema import open_store
from storage.store import Store

CLI_ACTOR = 0  # who the audit records for the command line


class EditorError(Exception):
    """An editors' command cannot go on; the message says why (bot.cli prints it)."""


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    channel = commands.add_parser("channel", help="the site's channels the bot posts to")
    channel.add_argument("action", choices=["add", "remove", "list"])
    channel.add_argument("target", nargs="?", help="@name or the -100… id of the channel")
    channel.add_argument("topics", nargs="*", help="topics it gets (none or `all`: every one)")


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
        await audit(store, CLI_ACTOR, "channel removed", f"{found.name} ({found.chat_id})", now)
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
        await audit(store, CLI_ACTOR, "channel added", f"{info.name} ({info.chat_id})", now)
        print(f"added {info.name}: it gets the notes of {topics_line(info, names)}")
    return 0


COMMANDS = {"channel": channel_command}
