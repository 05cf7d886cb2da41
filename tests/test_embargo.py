"""Embargoes hold: a future-dated post or a draft reveals nothing, not even its topics."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.posts import parse_post
from bot.domain.scans import FileSeen
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import ALICE, say
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED, write_post

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def seen(path: str, front_matter: str) -> FileSeen:
    post = parse_post(f"---\ntitle: {path}\n{front_matter}---\nBody.\n", path)
    return FileSeen(path, 1, 1, post)


async def test_only_public_posts_define_topics_names_and_counts(store: Store) -> None:
    files = [
        seen("2026-01-01-public.md", "categories: [News]\ntags: [Open, Korea]\n"),
        seen("2026-01-02-public-too.md", "categories: [News]\n"),
        seen("2026-04-01-future.md", "date: 2026-04-01\ncategories: [Embargoed]\ntags: [KOREA]\n"),
        seen("2026-01-03-draft.md", "published: false\ntags: [Draft Only, News]\n"),
    ]
    await store.apply_scan(files, [], NOW)
    await store.subscribe(1, "private", "", "korea", NOW)
    await store.subscribe(1, "private", "", "news", NOW)

    topics = await store.topics(NOW)
    assert [(t.key, t.name, t.posts) for t in topics] == [
        ("news", "News", 2),  # the draft's "News" does not count
        ("korea", "Korea", 1),
        ("open", "Open", 1),
    ]
    # Names shown to subscribers and admins come from public posts only ("KOREA" is embargoed).
    assert [t.name for t in await store.subscriptions(1, NOW)] == ["Korea", "News"]
    assert {t.name for t in (await store.stats(NOW)).subscriptions} == {"Korea", "News"}

    later = await store.topics(datetime(2026, 4, 1, tzinfo=UTC))
    assert {t.key: t.posts for t in later} == {"news": 2, "korea": 2, "open": 1, "embargoed": 1}


async def test_a_dry_run_lists_scheduled_posts_apart(store: Store) -> None:
    files = [
        seen("2026-01-01-public.md", ""),
        seen("2026-05-01-later.md", "date: 2026-05-01\n"),
        seen("2026-04-01-sooner.md", "date: 2026-04-01\n"),
        seen("2026-06-01-draft.md", "date: 2026-06-01\npublished: false\n"),
    ]
    await store.apply_scan([], [], NOW)  # not the first scan: the public post is news
    result = await store.apply_scan(files, [], NOW, dry_run=True)
    assert [a.path for a in result.announced] == ["2026-01-01-public.md"]
    assert [(s.path, s.date) for s in result.scheduled] == [
        ("2026-04-01-sooner.md", datetime(2026, 4, 1, tzinfo=UTC)),
        ("2026-05-01-later.md", datetime(2026, 5, 1, tzinfo=UTC)),
    ]


async def test_topics_of_a_future_post_and_a_draft_stay_hidden_until_due(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    shutil.copy(SEED, content / SEED.name)
    soon = datetime.now(UTC) + timedelta(seconds=4)
    write_post(content, "2099-01-01-soon.md", "Soon", categories="[Sealed]", tags="[Secret]",
               date=soon)  # fmt: skip
    write_post(content, "2026-01-05-draft.md", "Draft", categories="[Hidden]",
               extra="published: false\n")  # fmt: skip
    await newsbot()

    async def files_recorded() -> bool:
        return len(await store.file_fingerprints()) == 3

    async with asyncio.timeout(10):
        while not await files_recorded():
            await asyncio.sleep(0.05)

    listing = await say(fake, "/topics", ALICE)
    assert "News" in listing
    for word in ("Sealed", "Secret", "Hidden"):
        assert word not in listing
    before = len(fake.messages_to(ALICE))
    fake.command("/subscribe", chat_id=ALICE)
    await fake.wait_for(lambda: len(fake.messages_to(ALICE)) > before, 10)
    keyboard = fake.messages_to(ALICE)[before].reply_markup
    assert keyboard is not None
    buttons = " ".join(b["text"] for row in keyboard["inline_keyboard"] for b in row)
    assert "News" in buttons and "Secret" not in buttons and "Hidden" not in buttons
    assert "I don't know the topic" in await say(fake, "/subscribe secret", ALICE)
    assert "I don't know the topic" in await say(fake, "/subscribe hidden", ALICE)

    await asyncio.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.2)
    listing = await say(fake, "/topics", ALICE)
    assert "Sealed" in listing and "Secret" in listing and "Hidden" not in listing
    assert "Subscribed to <b>Secret</b>" in await say(fake, "/subscribe secret", ALICE)
