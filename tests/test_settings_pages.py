"""The /settings menu's time zone and language pages, end to end through the fake Bot API on
SQLite and PostgreSQL: each opens in place of the menu, and a choice made there is stored as
/timezone or /language stores it, then the menu comes back."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.clock import ShiftedClock
from tests.support.conversation import ALICE, BOB, GROUP, first_scan_done, say
from tests.support.fake_telegram import FakeTelegram, SentMessage
from tests.support.posts import SEED

IN_GROUP = {"chat_type": "supergroup", "title": "Readers"}


async def started(newsbot: BotFactory, content: Path, store: Store) -> None:
    shutil.copy(SEED, content / SEED.name)
    await newsbot(TIMEZONE="Europe/Berlin")
    await first_scan_done(store)


def labels(fake: FakeTelegram, menu: SentMessage) -> list[list[str]]:
    """The current buttons of the menu's message, row by row."""
    current = fake.message(menu.chat_id, menu.message_id)
    assert current is not None
    return [[b["text"] for b in row] for row in current["reply_markup"]["inline_keyboard"]]


def shown(fake: FakeTelegram, menu: SentMessage) -> str:
    """The menu's message as it reads now (plain text: the fake keeps what the HTML shows)."""
    current = fake.message(menu.chat_id, menu.message_id)
    assert current is not None
    return str(current["text"])


async def press(
    fake: FakeTelegram, menu: SentMessage, label: str, user: int, *, edits: bool = True
) -> str:
    """Press the button labelled `label` on the menu's message as it is now; the answer."""
    current = fake.message(menu.chat_id, menu.message_id)
    assert current is not None
    data = {
        b["text"]: b["callback_data"]
        for row in current["reply_markup"]["inline_keyboard"]
        for b in row
    }[label]
    answers, edited = len(fake.callback_answers), len(fake.edits)
    fake.press_button(menu, data, user_id=user)
    await fake.wait_for(lambda: len(fake.callback_answers) > answers, 10)
    if edits:
        await fake.wait_for(lambda: len(fake.edits) > edited, 10)
    return str(fake.callback_answers[answers].get("text", ""))


def zone_button(fake: FakeTelegram, menu: SentMessage, name: str) -> str:
    """The label of the time zone page's button for `name` (spaces for underscores, then the
    time there)."""
    [label] = [
        text
        for row in labels(fake, menu)
        for text in row
        if text.removeprefix("✓ ").split(" · ")[0] == name.replace("_", " ")
    ]
    return label


async def test_the_time_zone_page_offers_nearby_zones_and_sets_one(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    await started(newsbot, content, store)
    text = await say(fake, "/settings", ALICE)
    assert "Time zone: <b>Europe/Berlin</b>" in text and "Language: English" in text
    menu = fake.messages_to(ALICE)[-1]
    assert ["Time zone ›", "Language ›"] in labels(fake, menu)

    assert await press(fake, menu, "Time zone ›", ALICE) == ""
    page = shown(fake, menu)
    assert page.startswith("Time zone\nTime zone: Europe/Berlin (it is ")
    assert "/timezone Area/City sets any other" in page
    rows = labels(fake, menu)
    zones = [text.removeprefix("✓ ").split(" · ")[0] for row in rows[:-1] for text in row]
    assert rows[-1] == ["‹ Back"] and rows[0][0].startswith("✓ Europe/Berlin · ")
    assert 3 <= len(zones) <= 12 and len(set(zones)) == len(zones)
    assert "Europe/London" in zones and "Europe/Paris" in zones
    assert all(z.startswith("Europe/") for z in zones), zones

    # Back: the menu again, nothing changed.
    assert await press(fake, menu, "‹ Back", ALICE) == ""
    assert shown(fake, menu).startswith("Settings for this chat\n")
    assert (await store.chat_settings(ALICE)).timezone is None

    # A zone chosen on the page is stored as /timezone stores it; the menu shows it.
    await press(fake, menu, "Time zone ›", ALICE)
    assert await press(fake, menu, zone_button(fake, menu, "Europe/London"), ALICE) == "Saved"
    assert "Time zone: Europe/London" in shown(fake, menu)
    assert ["Time zone ›", "Language ›"] in labels(fake, menu)
    assert (await store.chat_settings(ALICE)).timezone == "Europe/London"
    assert "Time zone: <b>Europe/London</b>" in await say(fake, "/timezone", ALICE)

    # The page ticks the chat's zone, then offers the default; the ticked one leads back.
    await press(fake, menu, "Time zone ›", ALICE)
    rows = labels(fake, menu)
    assert rows[0][0].startswith("✓ Europe/London · ")
    assert rows[0][1].startswith("Europe/Berlin · ")
    assert await press(fake, menu, rows[0][0], ALICE) == "Already chosen"
    assert shown(fake, menu).startswith("Settings for this chat\n")

    # A zone set by /timezone far away: the page offers that area's zones.
    await say(fake, "/timezone America/Chicago", ALICE)
    await say(fake, "/settings", ALICE)
    menu = fake.messages_to(ALICE)[-1]
    await press(fake, menu, "Time zone ›", ALICE)
    assert zone_button(fake, menu, "America/New_York")
    await press(fake, menu, zone_button(fake, menu, "America/New_York"), ALICE)
    assert (await store.chat_settings(ALICE)).timezone == "America/New_York"


async def test_the_language_page_sets_the_language_and_shows_the_menu_in_it(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    await started(newsbot, content, store)
    await say(fake, "/settings", ALICE)
    menu = fake.messages_to(ALICE)[-1]
    await press(fake, menu, "Language ›", ALICE)
    assert shown(fake, menu).startswith("I speak English in this chat.")
    assert labels(fake, menu) == [["✓ English", "Русский", "Deutsch"], ["‹ Back"]]

    assert await press(fake, menu, "Deutsch", ALICE) == (
        "Ab jetzt spreche ich in diesem Chat Deutsch."
    )
    german = shown(fake, menu)
    assert german.startswith("Einstellungen für diesen Chat\n")
    assert "Sprache: Deutsch" in german and "Zeitzone: Europe/Berlin" in german
    assert ["Zeitzone ›", "Sprache ›"] in labels(fake, menu)
    assert await store.chat_language(ALICE) == "de"
    # A weekly digest's day button names the days in German too, as the text above it does.
    await press(fake, menu, "Wöchentlich", ALICE)
    assert "Tag: Montag → Dienstag" in labels(fake, menu)[1]
    await press(fake, menu, "Tag: Montag → Dienstag", ALICE)
    assert "wöchentlicher Digest am Dienstag" in shown(fake, menu)
    await press(fake, menu, "✓ Wöchentlich", ALICE, edits=False)
    await press(fake, menu, "Sofort", ALICE)

    def commands() -> dict[str, str]:
        scope = {"type": "chat", "chat_id": ALICE}
        return {c["command"]: c["description"] for c in fake.commands_for(scope)}

    # The chat's command menu follows, as after /language.
    await fake.wait_for(lambda: commands().get("help") == "Was ich kann", 10)
    assert "Sprache" in commands()["settings"]

    # The page in German ticks German; back without a choice changes nothing.
    await press(fake, menu, "Sprache ›", ALICE)
    assert labels(fake, menu) == [["English", "Русский", "✓ Deutsch"], ["‹ Zurück"]]
    await press(fake, menu, "‹ Zurück", ALICE)
    assert shown(fake, menu).startswith("Einstellungen für diesen Chat\n")
    await press(fake, menu, "Sprache ›", ALICE)
    assert await press(fake, menu, "Русский", ALICE) == "Теперь я говорю в этом чате по-русски."
    assert "Язык: Русский" in shown(fake, menu)
    assert ["Часовой пояс ›", "Язык ›"] in labels(fake, menu)
    assert await store.chat_language(ALICE) == "ru"


async def test_in_a_group_only_administrators_use_the_pages(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    await started(newsbot, content, store)
    fake.chat_members[GROUP, ALICE] = "administrator"
    await say(fake, "/settings", GROUP, user_id=ALICE, **IN_GROUP)
    menu = fake.messages_to(GROUP)[-1]
    refused = await press(fake, menu, "Language ›", BOB, edits=False)
    assert "administrators" in refused and fake.callback_answers[-1].get("show_alert")
    assert shown(fake, menu).startswith("Settings for this chat\n")

    # The administrator opens the pages; a member's presses on them change nothing.
    await press(fake, menu, "Language ›", ALICE)
    assert "administrators" in await press(fake, menu, "Русский", BOB, edits=False)
    await press(fake, menu, "‹ Back", ALICE)
    await press(fake, menu, "Time zone ›", ALICE)
    london = zone_button(fake, menu, "Europe/London")
    assert "administrators" in await press(fake, menu, london, BOB, edits=False)
    assert await store.chat_language(GROUP) in (None, "en")
    assert (await store.chat_settings(GROUP)).timezone is None

    await press(fake, menu, london, ALICE)
    assert (await store.chat_settings(GROUP)).timezone == "Europe/London"
    await press(fake, menu, "Language ›", ALICE)
    await press(fake, menu, "Русский", ALICE)
    assert await store.chat_language(GROUP) == "ru"
    assert "Часовой пояс: Europe/London" in shown(fake, menu)


async def test_forged_time_zones_and_pages_change_nothing(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram
) -> None:
    await started(newsbot, content, store)
    await say(fake, "/settings", ALICE)
    menu = fake.messages_to(ALICE)[-1]
    forged = [
        "cfg:z:Mars/Olympus_Mons",  # shaped like a zone, but no such zone
        "cfg:z:../../etc/passwd",
        "cfg:z:",
        "cfg:z:Europe/Berlin/",
        "cfg:z:" + "A" * 58,
        "cfg-page:",
        "cfg-page:colour",
        "cfg-page:tz:more",
        "cfg-lang:",
        "cfg-lang:fr",
        "cfg-lang:RU",
        "cfg-lang:ru ",
    ]
    for data in forged:
        answers = len(fake.callback_answers)
        fake.press_button(menu, data, user_id=ALICE, forged=True)
        await fake.wait_for(lambda: len(fake.callback_answers) > answers, 5, what=data)  # noqa: B023
        assert fake.callback_answers[answers]["text"] == "This button no longer works.", data
    await fake.wait_idle()
    assert not fake.edits
    assert (await store.chat_settings(ALICE)).timezone is None
    assert await store.chat_language(ALICE) in (None, "en")


async def test_a_menu_too_old_to_edit_still_saves_and_sends_the_menu_afresh(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram, clock: ShiftedClock
) -> None:
    """Telegram refuses edits of a message after 48 hours: a press on an old menu is saved,
    and the menu comes again as a new message, instead of an error and "Sorry"."""
    await started(newsbot, content, store)
    await say(fake, "/settings", ALICE)
    menu = fake.messages_to(ALICE)[-1]
    clock.advance(timedelta(days=3))
    sent = len(fake.messages_to(ALICE))
    assert await press(fake, menu, "Daily", ALICE, edits=False) == "Saved"
    await fake.wait_for(lambda: len(fake.messages_to(ALICE)) > sent, 10)
    again = fake.messages_to(ALICE)[-1]
    assert again.text is not None and "Notes: a daily digest at 08:00" in again.text
    assert (await store.chat_settings(ALICE)).digest.on
    # The new menu's pages open in place, as a fresh menu's do.
    await press(fake, again, "Time zone ›", ALICE)
    assert shown(fake, again).startswith("Time zone\n")
    # The old menu's pages, too old to open in place, come as new messages.
    sent = len(fake.messages_to(ALICE))
    await press(fake, menu, "Language ›", ALICE, edits=False)
    await fake.wait_for(lambda: len(fake.messages_to(ALICE)) > sent, 10)
    assert "English" in str(fake.messages_to(ALICE)[-1].reply_markup)
