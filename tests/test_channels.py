"""The site's channels: added after Telegram confirms the bot may post, sent notes without
buttons under the same outbox, removed by command or button, reported once when lost."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.domain.callbacks import ChannelButton, channel_data, parse
from bot.domain.channels import ChannelAction, MissingRight, missing_right, parse_channel
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import buttons, eventually, first_scan_done, say
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED, write_post
from tests.support.processes import child_environment

ADMIN = 777
READER = 2001
CHANNEL = -1001234567890
OTHER = -1009876543210


@pytest.fixture
async def running(newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram) -> None:
    """A bot with one admin, the seed post (topic News) and a channel where it may post."""
    shutil.copy(SEED, content / SEED.name)
    await newsbot(ADMIN_IDS=str(ADMIN))
    await first_scan_done(store)
    fake.add_channel(CHANNEL, "newsroom", title="The Newsroom")


def test_channel_arguments_parse_whatever_is_typed() -> None:
    args = parse_channel(["add", "@newsroom", "news", "sport"])
    assert (args.action, args.target, args.topics) == (ChannelAction.ADD, "@newsroom", "news sport")
    assert not args.follows_all
    assert parse_channel(["ADD", "-1001234567890", "all"]).target == -1001234567890
    assert parse_channel(["add", "-1001234567890", "all"]).follows_all
    assert parse_channel(["remove", "newsroom"]).target == "@newsroom"
    for words in ([], ["drop", "@x"], ["add"], ["add", "@a b"], ["add", "-100" + "9" * 30]):
        args = parse_channel(words)
        assert args.action is None or args.target is None
    assert parse(channel_data(CHANNEL)) == ChannelButton(
        parse(channel_data(CHANNEL)).action, CHANNEL
    )  # type: ignore[union-attr]
    assert parse("ch-rm:-5") is None and parse("ch-rm:" + "9" * 30) is None


async def has_topic(store: Store, key: str) -> bool:
    return key in {t.key for t in await store.topics()}


async def scanned(store: Store, path: str) -> bool:
    return path in await store.file_fingerprints()


def test_what_the_bot_lacks_to_post() -> None:
    assert missing_right("channel", "administrator", True) is None
    assert missing_right("channel", "creator", None) is None
    assert missing_right("channel", "administrator", False) == MissingRight.CANNOT_POST
    assert missing_right("channel", "member", None) == MissingRight.NOT_ADMIN
    assert missing_right("supergroup", "administrator", True) == MissingRight.NOT_A_CHANNEL


async def test_a_channel_gets_the_same_note_without_the_unsubscribe_button(
    running: None, fake: FakeTelegram, store: Store, content: Path
) -> None:
    reply = await say(fake, "/channel add @newsroom news", ADMIN)
    assert reply == "Added <b>@newsroom</b>: it gets the notes of News."
    await say(fake, "/subscribe news", READER)
    write_post(content, "2026-03-01-sport.md", "Match", categories="[Sport]")
    await eventually(lambda: has_topic(store, "sport"))
    write_post(content, "2026-03-01-bridge.md", "Bridge opens", categories="[News]")
    await fake.wait_for(
        lambda: fake.messages_to(CHANNEL) and fake.messages_to(READER)[1:], 10, what=str(fake.sent)
    )
    [note] = fake.messages_to(CHANNEL)
    reader_note = fake.messages_to(READER)[-1]
    assert note.text == reader_note.text and (note.text or "").startswith("<b>Bridge opens</b>")
    assert note.reply_markup is None and reader_note.reply_markup is not None
    assert len(fake.messages_to(CHANNEL)) == 1  # it follows News only, not Sport
    [listed] = await store.channels()
    assert (listed.chat_id, listed.name, listed.topics) == (CHANNEL, "@newsroom", ("news",))


async def test_all_follows_every_topic_with_every_hashtag(
    running: None, fake: FakeTelegram, store: Store, content: Path
) -> None:
    assert "every post" in await say(fake, f"/channel add {CHANNEL} all", ADMIN)
    write_post(content, "2026-03-01-match.md", "Match", categories="[Sport]", tags="[Cup]")
    await fake.wait_for(lambda: fake.messages_to(CHANNEL), 10)
    assert (fake.messages_to(CHANNEL)[0].text or "").endswith("#Cup #Sport")


async def test_the_bot_says_exactly_what_is_missing(running: None, fake: FakeTelegram) -> None:
    fake.add_channel(OTHER, "quiet", status="administrator", can_post_messages=False)
    reply = await say(fake, "/channel add @quiet", ADMIN)
    assert "may not post messages" in reply and "Post messages" in reply
    fake.set_bot_rights(OTHER, status="left")
    assert "I am not an administrator of @quiet." in await say(fake, "/channel add @quiet", ADMIN)
    assert "I can't find the channel @nobody (Chat not found)" in await say(
        fake, "/channel add @nobody", ADMIN
    )
    fake.chats[-100555] = {"id": -100555, "type": "supergroup", "title": "G"}
    assert "is not a channel" in await say(fake, "/channel add -100555", ADMIN)
    assert "I don't know the topic" in await say(fake, "/channel add @newsroom nosuch", ADMIN)
    assert "Usage: /channel add" in await say(fake, "/channel", ADMIN)
    assert "only the site's admins" in await say(fake, "/channel add @newsroom", READER)
    assert "No channel yet" in await say(fake, "/channels", ADMIN)


async def test_removed_by_command_or_button(
    running: None, fake: FakeTelegram, store: Store
) -> None:
    fake.add_channel(OTHER, "second")
    await say(fake, "/channel add @newsroom", ADMIN)
    await say(fake, "/channel add @second news", ADMIN)
    listing = await say(fake, "/channels", ADMIN)
    assert "<b>@newsroom</b>: every post" in listing and "<b>@second</b>: News" in listing
    message = fake.messages_to(ADMIN)[-1]
    first, second = buttons(message)
    assert first["text"] == "Remove @newsroom"
    fake.press_button(message, first["callback_data"], user_id=ADMIN)
    await fake.wait_for(lambda: fake.edits, 10)
    assert "@newsroom" not in (fake.edits[-1].text or "")
    assert "Removed <b>@second</b>" in await say(fake, "/channel remove @Second", ADMIN)
    assert "is not one of the channels" in await say(fake, "/channel remove @second", ADMIN)
    assert await store.channels() == []


@pytest.mark.parametrize("lost", ["no post right", "removed"])
async def test_a_channel_that_lost_its_rights_is_reported_once_and_not_retried(
    running: None, fake: FakeTelegram, store: Store, content: Path, lost: str
) -> None:
    await say(fake, "/channel add @newsroom", ADMIN)
    if lost == "removed":
        fake.set_bot_rights(CHANNEL, status="left")
    else:
        fake.set_bot_rights(CHANNEL, can_post_messages=False)
    before = len(fake.messages_to(ADMIN))
    write_post(content, "2026-03-01-one.md", "One", categories="[News]")
    await fake.wait_for(lambda: len(fake.messages_to(ADMIN)) > before, 15)
    report = fake.messages_to(ADMIN)[before].text or ""
    assert "I can no longer post in the channel <b>@newsroom</b>" in report
    refused = [c for c in fake.calls if c.params.get("chat_id") == CHANNEL and c.status >= 400]
    assert len(refused) == 1
    write_post(content, "2026-03-01-two.md", "Two", categories="[News]")
    await eventually(lambda: scanned(store, "2026-03-01-two.md"))
    [channel] = await store.channels()
    assert channel.status == "blocked"
    assert "inactive" in await say(fake, "/channels", ADMIN)
    calls = [c for c in fake.calls if c.params.get("chat_id") == CHANNEL]
    assert len([c for c in calls if c.method == "sendMessage"]) == 1  # not retried
    assert len(fake.messages_to(ADMIN)) == before + 2  # one report, then the /channels reply
    # Re-added once the rights are back: it gets notes again.
    fake.set_bot_rights(CHANNEL)
    assert "Added" in await say(fake, "/channel add @newsroom", ADMIN)
    write_post(content, "2026-03-01-three.md", "Three", categories="[News]")
    await fake.wait_for(lambda: fake.messages_to(CHANNEL), 10)


async def newsbot_cli(
    fake: FakeTelegram, database_url: str, cwd: Path, *args: str
) -> tuple[int, str, str]:
    env = child_environment(
        TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url, DATABASE_URL=database_url
    )
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode is not None
    return child.returncode, out.decode(), err.decode()


async def test_channels_from_the_shell(
    store: Store, fake: FakeTelegram, database_url: str, tmp_path: Path
) -> None:
    fake.add_channel(CHANNEL, "newsroom")
    fake.add_channel(OTHER, "quiet", can_post_messages=False)
    code, out, err = await newsbot_cli(fake, database_url, tmp_path, "channel", "add", "@newsroom")
    assert code == 0 and "added @newsroom: it gets the notes of every post" in out, err
    code, out, err = await newsbot_cli(fake, database_url, tmp_path, "channel", "add", "@quiet")
    assert code == 2 and "may not post messages" in err and "<b>" not in err
    code, out, _ = await newsbot_cli(fake, database_url, tmp_path, "channel", "list")
    assert out == f"@newsroom\t{CHANNEL}\tactive\tevery post\n"
    code, out, _ = await newsbot_cli(fake, database_url, tmp_path, "channel", "remove", "@newsroom")
    assert code == 0 and await store.channels() == []
    code, _, err = await newsbot_cli(fake, database_url, tmp_path, "channel", "remove", "@newsroom")
    assert code == 2 and "is not one of the channels" in err
