"""A delivery's matched topics are a list: a topic with a comma keeps its hashtag and button."""

from __future__ import annotations

import shutil
from pathlib import Path

from alembic import command
from sqlalchemy import Connection, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Delivery
from storage.schema import alembic_config
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import ALICE, first_scan_done, say
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED, write_post


async def test_a_topic_with_a_comma_gets_its_hashtag_and_a_working_button(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    shutil.copy(SEED, content / SEED.name)
    write_post(content, "2025-05-01-earlier.md", "Earlier", tags='["Korea, North"]')
    await newsbot()
    await first_scan_done(store)
    assert "Subscribed to <b>Korea, North</b>" in await say(fake, "/subscribe Korea, North", ALICE)
    assert "Subscribed to <b>News</b>" in await say(fake, "/subscribe news", ALICE)

    write_post(content, "2026-02-01-talks.md", "Talks resume", tags='["Korea, North"]')
    await fake.wait_for(lambda: "Talks resume" in (fake.messages_to(ALICE)[-1].text or ""), 10)
    note = fake.messages_to(ALICE)[-1]
    assert note.text is not None and note.text.endswith("\n#Korea__North #News")
    assert note.reply_markup is not None
    buttons = {b["text"]: b["callback_data"] for [b] in note.reply_markup["inline_keyboard"]}
    assert list(buttons) == ["Unsubscribe from Korea, North", "Unsubscribe from News"]

    fake.press_button(note, buttons["Unsubscribe from Korea, North"], user_id=ALICE)
    await fake.wait_for(lambda: fake.callback_answers, 5)
    assert str(fake.callback_answers[0]["text"]).startswith("Unsubscribed")
    assert [t.name for t in await store.subscriptions(ALICE)] == ["News"]


def _migrate(sync: Connection, revision: str, *, down: bool = False) -> None:
    config = alembic_config()
    config.attributes["connection"] = sync
    (command.downgrade if down else command.upgrade)(config, revision)


async def _topics(engine: AsyncEngine) -> list[object]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT topics FROM deliveries ORDER BY id"))
        return [row[0] for row in rows]


async def test_migration_splits_comma_joined_topics_into_lists(database_url: str) -> None:
    store = Store.open(database_url)
    engine = store.engine
    old = ["news,sport", "", 'quote"back\\slash', "solo"]
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_migrate, "0002")
            for topics in old:
                await conn.execute(
                    text(
                        "INSERT INTO deliveries (chat_id, topics, status, attempts, not_before,"
                        " created_at) VALUES (1, :topics, 'sent', 1, CURRENT_TIMESTAMP,"
                        " CURRENT_TIMESTAMP)"
                    ),
                    {"topics": topics},
                )
            await conn.run_sync(_migrate, "0003")
        async with engine.connect() as conn:  # read through the model, as the store does
            lists = (await conn.execute(select(Delivery.topics).order_by(Delivery.id))).scalars()
            assert list(lists) == [["news", "sport"], [], ['quote"back\\slash'], ["solo"]]

        async with engine.begin() as conn:
            await conn.run_sync(_migrate, "0002", down=True)
        assert await _topics(engine) == old
    finally:
        await store.close()
