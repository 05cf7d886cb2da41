"""/subscribe all: every post, stored as the reserved key "*"; a site topic named "all" stays."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.domain.everything import ALL, matched, means_all, named, note_topics
from bot.domain.topics import TopicInfo, topic_key
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import ALICE, BOB, buttons, first_scan_done, say, titles
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED, write_post


def test_no_post_topic_can_take_the_reserved_key() -> None:
    assert topic_key("*") == "" and topic_key("#*") == "" and topic_key("all") == "all"
    assert means_all("ALL") and not means_all("#all") and not means_all("allies")


def test_a_note_for_all_posts_shows_every_topic_and_one_button() -> None:
    assert matched(["news", ALL], {"news": "News", "world": "World"}) == [ALL, "news", "world"]
    assert matched(["world", "news"], {"news": "News", "world": "World"}) == ["news", "world"]
    topics = [TopicInfo(ALL, ALL), TopicInfo("news", "News")]
    hashtags, unsubscribable = note_topics(topics)
    assert hashtags == ["News"]
    assert unsubscribable == [TopicInfo(ALL, "All posts")]
    assert named([TopicInfo("b", "B"), TopicInfo(ALL, ALL)])[0] == TopicInfo(ALL, "All posts")


async def test_subscribe_all_gets_every_post_and_a_topic_named_all_stays_reachable(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    shutil.copy(SEED, content / SEED.name)
    write_post(content, "2025-05-01-all.md", "About everything", categories="[All]")
    await newsbot()
    await first_scan_done(store)
    assert "Subscribed to <b>All posts</b>" in await say(fake, "/subscribe all", ALICE)
    assert "already follows <b>All posts</b>" in await say(fake, "/subscribe ALL", ALICE)
    assert "• All posts" in await say(fake, "/subscriptions", ALICE)
    await say(fake, "/filter -sport", ALICE)  # filters apply to "all" too

    # The site's own topic "all": a button in the /subscribe keyboard, or "#all".
    await say(fake, "/subscribe", BOB)
    picker = fake.messages_to(BOB)[-1]
    [all_topic] = [b for b in buttons(picker) if b["text"].startswith("All (")]
    fake.press_button(picker, all_topic["callback_data"], user_id=BOB)
    await fake.wait_for(lambda: fake.callback_answers, 5)
    assert [t.key for t in await store.subscriptions(BOB)] == ["all"]
    assert "already follows <b>All</b>" in await say(fake, "/subscribe #all", BOB)

    write_post(content, "2026-01-01-a.md", "Weather", categories="[Science]", tags="[Rain]")
    write_post(content, "2026-01-02-b.md", "Sport results", categories="[Sport]")
    write_post(content, "2026-01-03-c.md", "All about it", categories="[All]")
    await fake.wait_for(lambda: "All about it" in titles(fake, ALICE), 10)
    await fake.wait_for(lambda: "All about it" in titles(fake, BOB), 10)
    assert sorted(titles(fake, ALICE)) == ["All about it", "Weather"]
    assert titles(fake, BOB) == ["All about it"]
    note = next(m for m in fake.messages_to(ALICE) if "Weather" in (m.text or ""))
    assert note.text is not None and note.text.endswith("\n#Rain #Science")
    [button] = buttons(note)
    assert button["text"] == "Unsubscribe from All posts"

    fake.press_button(note, button["callback_data"], user_id=ALICE)
    await fake.wait_for(lambda: len(fake.callback_answers) == 2, 5)
    assert await store.subscriptions(ALICE) == []
    await say(fake, "/subscribe all", ALICE)
    assert "Unsubscribed from <b>All posts</b>" in await say(fake, "/unsubscribe all", ALICE)
