"""Keyword filters: the pure normaliser and parser, the fan-out in the database, /filter itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.domain import filter_texts
from bot.domain.filters import (
    MAX_COMMAND_WORDS,
    MAX_FILTERS,
    Added,
    ChatFilters,
    FilterAction,
    FilterProblem,
    normalise,
    parse_filter,
    post_words,
    words,
)
from bot.domain.notes import TEXT_LIMIT
from bot.domain.replies import visible_length
from bot.scanning.scan import scan
from bot.settings import Settings
from storage.models import Delivery, Post
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import ALICE, BOB, GROUP, first_scan_done, say, titles
from tests.support.fake_telegram import FakeTelegram
from tests.support.outbox import NOW
from tests.support.posts import SEED, write_post

# -- the pure part ----------------------------------------------------------------------------


def test_normalise_drops_case_and_accents() -> None:
    assert normalise("Café CRÈME Straße") == "cafe creme strasse"
    assert normalise("ＫＯＲＥＡ") == "korea"  # full-width letters: NFKD makes them plain
    assert words("Crème-brûlée, l'été 2025!") == ["creme", "brulee", "l", "ete", "2025"]
    assert words("naïve_snake") == ["naive", "snake"]
    assert words("Москва и Ёлка") == ["москва", "и", "елка"]


def test_post_words_take_title_excerpt_and_topics_whole() -> None:
    found = post_words("Seoul talks", "Koreas meet in Panmunjom.", ["North Korea", "World"])
    assert found == {
        "seoul",
        "talks",
        "koreas",
        "meet",
        "in",
        "panmunjom",
        "north",
        "korea",
        "world",
    }
    assert "x" * 65 not in post_words("x" * 65, "", [])  # too long to be any filter: not kept


def test_parse_filter_commands() -> None:
    assert parse_filter([]).action == FilterAction.LIST
    assert parse_filter(["clear"]).action == FilterAction.CLEAR
    assert parse_filter(["remove"]).action == FilterAction.USAGE
    removed = parse_filter(["REMOVE", "-Korea"])
    assert removed.action == FilterAction.REMOVE
    assert [w.word for w in removed.words] == ["korea"]
    added = parse_filter(["Korea", "-Sport", "+clear", "covid-19", "---", "x" * 65])
    assert added.action == FilterAction.ADD
    assert [(w.word, w.include, w.problem) for w in added.words] == [
        ("korea", True, None),
        ("sport", False, None),
        ("clear", True, None),
        ("", True, FilterProblem.SEVERAL),
        ("", False, FilterProblem.EMPTY),
        ("", True, FilterProblem.TOO_LONG),
    ]
    many = parse_filter([f"w{i}" for i in range(100)])
    assert len(many.words) == MAX_COMMAND_WORDS and many.ignored == 100 - MAX_COMMAND_WORDS


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("covid-19", "/filter covid"),
        ("-covid-19", "/filter -covid"),
        ("[a-z]+", "/filter a"),
        ("(Café|bar)", "/filter cafe"),
        ("\ufdfa", "/filter \u0635\u0644\u0649"),  # one character, four words once normalised
    ],
)
def test_a_word_of_several_suggests_a_word_the_filter_takes(typed: str, suggested: str) -> None:
    [word] = parse_filter([typed]).words
    assert word.problem == FilterProblem.SEVERAL
    text = filter_texts.problem(word)
    assert f"(try {suggested})." in text
    [again] = parse_filter([suggested.removeprefix("/filter ")]).words
    assert again.problem is None and again.include == word.include


def test_allows_is_include_any_and_exclude_none() -> None:
    assert ChatFilters().allows(set())
    only_korea = ChatFilters(include=("korea", "japan"))
    assert only_korea.allows({"korea", "sport"}) and not only_korea.allows({"sport"})
    no_sport = ChatFilters(include=("korea",), exclude=("sport",))
    assert not no_sport.allows({"korea", "sport"})


HOSTILE = st.one_of(
    st.text(),
    st.text(alphabet="<>&\"'-+ \u0301😀ab", max_size=200),
    st.text(min_size=1, max_size=30).map(lambda piece: piece * 300),
)


@settings(max_examples=200, deadline=None)
@given(args=st.lists(HOSTILE, max_size=60))
def test_any_filter_command_gets_a_reply_within_the_limit(args: list[str]) -> None:
    parsed = parse_filter(args)
    stored = ChatFilters(include=tuple(f"{'w' * 60}{i:02}" for i in range(MAX_FILTERS)))
    outcomes = [(w, None if w.problem else Added.FULL) for w in parsed.words]
    for text in (
        filter_texts.added(outcomes, stored, parsed.ignored),
        filter_texts.removed_all(
            [filter_texts.removed(w, False) for w in parsed.words], stored, parsed.ignored
        ),
        filter_texts.listing(stored),
    ):
        assert 0 < visible_length(text) <= TEXT_LIMIT


# -- the fan-out, decided by the database -----------------------------------------------------


async def _recipients(store: Store, title: str) -> set[int]:
    async with store.engine.connect() as conn:
        post_id = await conn.scalar(select(Post.id).where(Post.title == title))
        rows = await conn.scalars(select(Delivery.chat_id).where(Delivery.post_id == post_id))
        return set(rows)


async def test_the_outbox_gets_only_the_chats_whose_filters_let_the_post_through(
    store: Store, database_url: str, content: Path
) -> None:
    settings = Settings.from_mapping(
        {"DATABASE_URL": database_url, "CONTENT_DIR": str(content), "SITE_URL": "https://x.example"}
    )
    shutil.copy(SEED, content / SEED.name)
    await scan(store, settings)  # the first scan: silent
    chats = {
        1: [],  # no filters: everything
        2: [("korea", True)],
        3: [("japan", True)],
        4: [("korea", True), ("cafe", False)],  # Korea, but no café
        5: [("japan", True), ("seoul", True)],  # any include word
        6: [("news", True)],  # a topic's name counts
        7: [("sport", False)],
    }
    for chat_id, wanted in chats.items():
        await store.subscribe(chat_id, "private", "", "news", NOW)
        assert await store.add_filters(chat_id, "private", "", wanted, NOW) == [Added.ADDED] * len(
            wanted
        )
    write_post(content, "2026-01-01-a.md", "Seoul: a CAFÉ opens", body="About KOREA.")
    write_post(content, "2026-01-02-b.md", "Sport in Korea", extra='excerpt: "Matches."\n')
    await scan(store, settings)
    assert await _recipients(store, "Seoul: a CAFÉ opens") == {1, 2, 5, 6, 7}
    assert await _recipients(store, "Sport in Korea") == {1, 2, 4, 6}


async def test_at_most_twenty_words_and_switching_sides(store: Store) -> None:
    wanted = [(f"w{i}", True) for i in range(MAX_FILTERS + 1)]
    outcomes = await store.add_filters(ALICE, "private", "", wanted, NOW)
    assert outcomes == [Added.ADDED] * MAX_FILTERS + [Added.FULL]
    assert await store.add_filters(ALICE, "private", "", [("w0", False)], NOW) == [Added.SWITCHED]
    assert await store.add_filters(ALICE, "private", "", [("w0", False)], NOW) == [Added.ALREADY]
    filters = await store.filters(ALICE)
    assert filters.exclude == ("w0",) and len(filters) == MAX_FILTERS
    assert await store.remove_filter(ALICE, "w0") and not await store.remove_filter(ALICE, "w0")
    assert await store.clear_filters(ALICE) == MAX_FILTERS - 1
    assert len(await store.filters(ALICE)) == 0


async def test_a_migrated_group_keeps_its_filters(store: Store) -> None:
    await store.add_filters(-42, "group", "G", [("korea", True), ("sport", False)], NOW)
    await store.migrate_chat(-42, GROUP, NOW)
    assert await store.filters(GROUP) == ChatFilters(include=("korea",), exclude=("sport",))


# -- /filter through the fake Bot API ---------------------------------------------------------


async def test_filter_commands_end_to_end(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    shutil.copy(SEED, content / SEED.name)
    await newsbot()
    await first_scan_done(store)
    await say(fake, "/subscribe news", ALICE)
    assert "no keyword filters" in await say(fake, "/filter", ALICE)
    reply = await say(fake, "/filter Korea -Sport covid-19 -F1_racing", ALICE)
    assert "Added: <b>korea</b>, <b>-sport</b>." in reply
    # The word suggested is one the filter takes, on the side it was asked for.
    assert "<b>covid-19</b> is several words; a filter is one word (try /filter covid)" in reply
    assert "<b>F1_racing</b> is several words; a filter is one word (try /filter -f1)" in reply
    assert "This chat has 2 keyword filters (of 20):" in reply
    assert "Only posts mentioning: <b>korea</b>." in reply
    assert "Never posts mentioning: <b>sport</b>." in reply

    write_post(content, "2026-01-01-a.md", "Sport: Korea wins")
    write_post(content, "2026-01-02-b.md", "Weather")
    write_post(content, "2026-01-03-c.md", "Talks in KORÉA")
    await fake.wait_for(lambda: "Talks in KORÉA" in titles(fake, ALICE), 10)
    assert titles(fake, ALICE) == ["Talks in KORÉA"]

    assert "Removed the filter word <b>korea</b>." in await say(fake, "/filter remove korea", ALICE)
    assert "(try /filter remove sport)" in await say(fake, "/filter remove sport_news", ALICE)
    assert "Removed 1 keyword filter:" in await say(fake, "/filter clear", ALICE)
    assert "had no keyword filters" in await say(fake, "/filter clear", ALICE)
    assert "Usage: /filter remove WORD" in await say(fake, "/filter remove", ALICE)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_in_a_group_only_administrators_change_filters(
    newsbot: BotFactory, fake: FakeTelegram
) -> None:
    await newsbot()
    group = {"chat_type": "supergroup", "title": "Readers"}
    reply = await say(fake, "/filter korea", GROUP, user_id=BOB, **group)
    assert "Only this group's administrators" in reply
    assert "no keyword filters" in await say(fake, "/filter", GROUP, user_id=BOB, **group)
    fake.chat_members[(GROUP, BOB)] = "administrator"
    reply = await say(fake, "/filter korea", GROUP, user_id=BOB, **group)
    assert "Added: <b>korea</b>." in reply
