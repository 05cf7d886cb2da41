"""The reader's language end to end: from the Telegram app, by /language, in notes and menus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.domain import callbacks
from bot.domain.callbacks import Action, LanguageButton
from bot.domain.change_texts import change_line
from bot.domain.changes import ChangeCounts
from bot.domain.i18n import use_language
from bot.domain.states import ChangeKind
from bot.messaging import handlers
from bot.messaging.chat_language import SPEAKING
from bot.messaging.context import NewsApplication
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import (
    ALICE,
    BOB,
    CAROL,
    GROUP,
    buttons,
    eventually,
    first_scan_done,
    say,
)
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED, write_post

ADMIN = 777


@pytest.fixture
async def running(newsbot: BotFactory, content: Path, store: Store) -> None:
    """A bot with the seed post's topics known and one site admin."""
    shutil.copy(SEED, content / SEED.name)
    await newsbot(ADMIN_IDS=str(ADMIN))
    await first_scan_done(store)


async def test_a_russian_reader_gets_help_in_russian_and_keeps_it(
    running: None, fake: FakeTelegram, store: Store
) -> None:
    fake.user_languages[ALICE] = "ru"
    help_text = await say(fake, "/help", ALICE)
    assert "/subscribe — Подписаться на тему" in help_text
    assert "/language" in help_text
    assert "Для администраторов" not in help_text
    await say(fake, "/start", ALICE)

    async def kept() -> bool:  # the new chat keeps its user's language (stored after /start)
        return await store.chat_language(ALICE) == "ru"

    await eventually(kept)

    fake.user_languages[BOB] = "de-AT"
    assert "Hallo!" in await say(fake, "/start", BOB)
    fake.user_languages[CAROL] = "pt-br"  # not one of ours: English, nothing stored
    assert (await say(fake, "/start", CAROL)).startswith("Hi!")
    assert await store.chat_language(CAROL) is None


async def test_language_command_switches_and_rejects_what_it_does_not_speak(
    running: None, fake: FakeTelegram, store: Store
) -> None:
    await say(fake, "/start", ALICE)
    assert await say(fake, "/language de", ALICE) == "Ab jetzt spreche ich in diesem Chat Deutsch."
    assert "/subscribe — Einem Thema folgen" in await say(fake, "/help", ALICE)
    refused = await say(fake, "/language klingon", ALICE)
    assert refused.startswith("<b>klingon</b> spreche ich nicht.")
    assert "ru (Русский)" in refused
    assert await store.chat_language(ALICE) == "de"
    fake.user_languages[ALICE] = "ru"  # the app's language no longer decides: the chat chose
    assert "Themen" in await say(fake, "/topics", ALICE)


async def test_language_buttons_switch_and_tick_the_choice(
    running: None, fake: FakeTelegram, store: Store
) -> None:
    question = await say(fake, "/language", ALICE)
    assert question.startswith("I speak English in this chat.")
    keyboard = fake.messages_to(ALICE)[-1]
    assert [b["text"] for b in buttons(keyboard)] == ["✓ English", "Русский", "Deutsch"]
    russian = buttons(keyboard)[1]["callback_data"]
    fake.press_button(keyboard, russian, user_id=ALICE)
    await fake.wait_for(lambda: fake.edits, 5)
    edited = fake.edits[-1]
    assert (edited.text or "").startswith("В этом чате я говорю на языке: Русский.")
    assert [b["text"] for b in buttons(edited)] == ["English", "✓ Русский", "Deutsch"]
    assert fake.callback_answers[-1]["text"] == "Теперь я говорю в этом чате по-русски."
    assert await store.chat_language(ALICE) == "ru"
    assert "Подписка оформлена" in await say(fake, "/subscribe news", ALICE)

    # The chosen language pressed again (a double tap): answered, the keyboard left as it is
    # (Telegram refuses an edit that changes nothing: the fake would list it as rejected).
    answers, edits = len(fake.callback_answers), len(fake.edits)
    fake.press_button(edited, russian, user_id=ALICE)
    await fake.wait_for(lambda: len(fake.callback_answers) > answers)
    assert fake.callback_answers[-1]["text"] == "Теперь я говорю в этом чате по-русски."
    await fake.wait_idle()
    assert len(fake.edits) == edits


async def test_a_forged_language_button_changes_nothing(
    running: None, fake: FakeTelegram, store: Store
) -> None:
    await say(fake, "/language de", ALICE)
    await say(fake, "/language", ALICE)
    keyboard = fake.messages_to(ALICE)[-1]
    for data in ("lang:fr", "lang:" + "x" * 59, "lang:DE", "lang:"):
        answers = len(fake.callback_answers)
        fake.press_button(keyboard, data, user_id=ALICE, forged=True)
        await fake.wait_for(lambda: len(fake.callback_answers) > answers)  # noqa: B023
        # Buttons of ours carry only our codes: anything else is stale, said in German.
        assert fake.callback_answers[-1]["text"] == "Diese Schaltfläche funktioniert nicht mehr."
    assert await store.chat_language(ALICE) == "de"


def test_language_buttons_parse_only_what_they_could_carry() -> None:
    assert callbacks.parse(callbacks.language_data("ru")) == LanguageButton(Action.LANGUAGE, "ru")
    for forged in ("lang:", "lang:RU", "lang:ru ", "lang:de-AT", "lang:" + "a" * 9):
        assert callbacks.parse(forged) is None


async def test_in_a_group_only_administrators_choose_the_language(
    running: None, fake: FakeTelegram, store: Store
) -> None:
    fake.user_languages[BOB] = "de"
    refused = await say(fake, "/language ru", GROUP, user_id=BOB, chat_type="supergroup")
    assert refused.startswith("Nur die Administratoren dieser Gruppe können ändern")
    fake.chat_members[GROUP, ALICE] = "administrator"
    chosen = await say(fake, "/language ru", GROUP, user_id=ALICE, chat_type="supergroup")
    assert chosen == "Теперь я говорю в этом чате по-русски."
    # The group speaks Russian to everyone now, whatever their app's language.
    assert "Темы" in await say(fake, "/topics", GROUP, user_id=BOB, chat_type="supergroup")


async def test_a_note_keeps_the_posts_words_and_speaks_the_chats_language(
    running: None, fake: FakeTelegram, content: Path
) -> None:
    fake.user_languages[ALICE] = "de"
    await say(fake, "/subscribe news", ALICE)
    await say(fake, "/subscribe news", BOB)
    write_post(content, "2026-01-02-bridge.md", "Bridge opens", categories="[News, World]")
    await fake.wait_for(lambda: any("Bridge" in (m.text or "") for m in fake.messages_to(ALICE)))
    await fake.wait_for(lambda: any("Bridge" in (m.text or "") for m in fake.messages_to(BOB)))
    [german] = [m for m in fake.messages_to(ALICE) if "Bridge" in (m.text or "")]
    [english] = [m for m in fake.messages_to(BOB) if "Bridge" in (m.text or "")]
    assert german.text is not None and english.text is not None
    assert german.text.startswith("<b>Bridge opens</b>\n\nBody text.")
    assert ">Weiterlesen</a>" in german.text and ">Read more</a>" in english.text
    assert [b["text"] for b in buttons(german)] == ["News abbestellen"]
    assert [b["text"] for b in buttons(english)] == ["Unsubscribe from News"]


async def test_a_channel_speaks_the_language_of_the_admin_who_added_it(
    running: None, fake: FakeTelegram, content: Path, store: Store
) -> None:
    channel = -1001234567890
    fake.add_channel(channel, "newsroom", title="The Newsroom")
    fake.user_languages[ADMIN] = "de"
    added = await say(fake, "/channel add @newsroom news", ADMIN)
    assert "hinzugefügt. Dorthin geht: News." in added
    assert await store.chat_language(channel) == "de"
    write_post(content, "2026-01-02-bridge.md", "Bridge opens")
    await fake.wait_for(lambda: fake.messages_to(channel))
    [note] = fake.messages_to(channel)
    assert note.text is not None and ">Weiterlesen</a>" in note.text


async def test_russian_plurals_in_replies(running: None, fake: FakeTelegram) -> None:
    fake.user_languages[ALICE] = "ru"
    await say(fake, "/subscribe news", ALICE)
    assert "забыл его 1 подписку" in await say(fake, "/stop", ALICE)


@pytest.mark.parametrize(
    ("code", "done", "expected"),
    [
        ("en", 1, "Recalled: 1 copy deleted"),
        ("en", 2, "Recalled: 2 copies deleted"),
        ("de", 1, "Zurückgerufen: 1 Kopie gelöscht"),
        ("de", 5, "Zurückgerufen: 5 Kopien gelöscht"),
        ("ru", 1, "Отозвано: 1 копия удалена"),
        ("ru", 3, "Отозвано: 3 копии удалены"),
        ("ru", 5, "Отозвано: 5 копий удалено"),
        ("ru", 21, "Отозвано: 21 копия удалена"),
    ],
)
def test_plural_forms_of_a_recall_report(code: str, done: int, expected: str) -> None:
    with use_language(code):
        line = change_line(ChangeKind.DELETE, ChangeCounts(done=done), final=True)
    assert line.startswith(f"<i>{expected},")


async def test_the_command_menu_is_registered_in_each_language(
    running: None, fake: FakeTelegram
) -> None:
    def menu(scope: dict[str, object] | None, code: str = "") -> dict[str, str]:
        return {c["command"]: c["description"] for c in fake.commands_for(scope, code)}

    await fake.wait_for(lambda: menu(None, "de") and menu({"type": "chat", "chat_id": ADMIN}))
    assert menu(None)["help"] == "What I can do"
    assert menu(None, "ru")["help"] == "Что я умею"
    assert menu(None, "de")["help"] == "Was ich kann"
    assert "stats" not in menu(None, "de")
    admin = {"type": "chat", "chat_id": ADMIN}
    assert menu(admin, "ru")["stats"] == "Чаты, подписки и доставки"
    assert menu(admin, "de")["language"].startswith("Die Sprache")
    assert list(menu(admin)) == list(menu(admin, "ru")) == list(menu(admin, "de"))


async def test_a_chat_that_chose_a_language_sees_the_menu_in_it(
    running: None, fake: FakeTelegram
) -> None:
    def menu(chat_id: int, code: str = "") -> dict[str, str]:
        scope = {"type": "chat", "chat_id": chat_id}
        return {c["command"]: c["description"] for c in fake.commands_for(scope, code)}

    await say(fake, "/language de", ALICE)  # an app in English: the chat's list is German
    await fake.wait_for(lambda: menu(ALICE))
    assert menu(ALICE)["help"] == "Was ich kann" and "stats" not in menu(ALICE)
    fake.chat_members[GROUP, BOB] = "administrator"
    await say(fake, "/language ru", GROUP, user_id=BOB, chat_type="supergroup")
    await fake.wait_for(lambda: menu(GROUP))
    assert menu(GROUP)["help"] == "Что я умею"
    # A site admin's chat has a list per app language: each follows the choice.
    await say(fake, "/language ru", ADMIN)
    await fake.wait_for(lambda: menu(ADMIN, "de").get("help") == "Что я умею")
    assert menu(ADMIN)["stats"] == menu(ADMIN, "de")["stats"] == "Чаты, подписки и доставки"


def test_every_handler_answers_in_its_chats_language() -> None:
    application: NewsApplication = Application.builder().token("1:test").build()  # type: ignore[assignment]
    handlers.register(application)
    registered = [h for group in application.handlers.values() for h in group]
    assert len(registered) >= 10
    unwrapped = [h for h in registered if h.callback not in SPEAKING]  # type: ignore[comparison-overlap]
    assert not unwrapped, "register handlers through routing or chat_language.in_chat_language"


async def test_a_broadcast_preview_and_its_report_speak_the_admins_language(
    running: None, fake: FakeTelegram
) -> None:
    fake.user_languages[ADMIN] = "ru"
    for reader in (ALICE, BOB, ADMIN):  # the admin's chat too: the report reads its language
        await say(fake, "/start", reader)
    preview_text = await say(fake, "/broadcast Roads open", ADMIN)
    assert "Предпросмотр: это уйдёт в 3 активных чата." in preview_text
    preview = fake.messages_to(ADMIN)[-1]
    send, cancel, _ = buttons(preview)
    assert (send["text"], cancel["text"]) == ("Отправить в 3 чата", "Отмена")
    fake.press_button(preview, send["callback_data"], user_id=ADMIN)

    def report() -> str:
        return str((fake.message(ADMIN, preview.message_id) or {}).get("text", ""))

    await fake.wait_for(lambda: "Готово за" in report(), 10)
    assert "доставлено 3, заблокировано 0, с ошибкой 0." in report()
    assert fake.callback_answers[-1]["text"] == "Отправляю в 3 чата"
