"""The fake Bot API's methods (edits, buttons, photos) and getUpdates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.support.fake_api import CHAT, GROUP, keyboard, raw
from tests.support.fake_telegram import (
    FakeTelegram,
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url) as client:
        yield client


# ----------------------------------------------------------------------------- methods


async def test_edits_follow_telegrams_rules(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(CHAT, "one", reply_markup=keyboard("a", "b"))
    edited = await bot.edit_message_text(
        "<i>two</i>", CHAT, sent.message_id, parse_mode="HTML", reply_markup=keyboard("a")
    )
    assert edited.text == "two" and edited.edit_date is not None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<i>two</i>", CHAT, sent.message_id, parse_mode="HTML", reply_markup=keyboard("a")
        )
    await bot.edit_message_reply_markup(CHAT, sent.message_id)  # removes the keyboard
    assert "reply_markup" not in fake.message(CHAT, sent.message_id)  # type: ignore[operator]
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", CHAT, 999)
    with pytest.raises(BadRequest, match="There is no caption"):
        await bot.edit_message_caption(CHAT, sent.message_id, caption="c")
    assert [e.method for e in fake.edits] == ["editMessageText", "editMessageReplyMarkup"]


async def test_button_press_and_callback_answer(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(GROUP, "Pick", reply_markup=keyboard("sub:1", "sub:2"))
    update = Update.de_json(fake.press_button(fake.sent[0], "sub:2", user_id=7), bot)
    query = update.callback_query
    assert query is not None and query.data == "sub:2" and query.from_user.id == 7
    assert query.message is not None and query.message.chat.id == GROUP
    await bot.answer_callback_query(query.id, text="Subscribed")
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(ValueError, match="no button"):
        fake.press_button(fake.sent[0], "sub:3", user_id=7)


async def test_message_ids_increase_per_chat(bot: Bot) -> None:
    ids = [(await bot.send_message(chat, "x")).message_id for chat in (1, 1, 2, 1)]
    assert ids == [1, 2, 1, 3]


async def test_photo_by_url_and_by_upload(bot: Bot, fake: FakeTelegram) -> None:
    by_url = await bot.send_photo(CHAT, "https://e.x/p.jpg", caption="<b>c</b>", parse_mode="HTML")
    await bot.send_photo(CHAT, b"\x89PNG fake bytes")
    assert by_url.caption == "c" and by_url.photo[-1].width == 800
    assert [(s.photo, s.text) for s in fake.messages_to(CHAT)] == [
        ("https://e.x/p.jpg", "<b>c</b>"),
        (None, None),
    ]


# ----------------------------------------------------------------------------- getUpdates


async def test_long_poll_returns_an_injected_update(bot: Bot, fake: FakeTelegram) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await fake.wait_for(lambda: fake.polling)
    fake.command("/start", chat_id=CHAT)
    await fake.wait_for(poll.done, timeout=2)  # well before the poll's own timeout
    (update,) = poll.result()
    assert update.message.text == "/start" and update.message.from_user.id == CHAT
    assert await bot.get_updates() == (update,)  # not confirmed yet
    assert await bot.get_updates(offset=update.update_id + 1) == ()


async def test_a_polling_application_talks_to_the_fake(fake: FakeTelegram) -> None:
    """PTB's own polling loop: command in, HTML reply out, button press, clean shutdown."""
    errors: list[object] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html("<b>Hi</b>", reply_markup=keyboard("again"))

    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("ok")
        await update.callback_query.edit_message_text("<i>Done</i>", parse_mode="HTML")

    async def collect(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(context.error)

    app = Application.builder().token(fake.token).base_url(fake.base_url).build()
    app.add_handlers([CommandHandler("start", start), CallbackQueryHandler(press)])
    app.add_error_handler(collect)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling()
        fake.command("/start", chat_id=CHAT)
        await fake.wait_for(lambda: fake.sent)
        fake.press_button(fake.sent[0], "again", user_id=CHAT)
        await fake.wait_idle()
        await app.updater.stop()
        await app.stop()
    assert errors == [] and fake.rejected == [] and fake.conflicts == []
    assert [m.text for m in fake.messages_to(CHAT)] == ["<b>Hi</b>"]
    assert [(e.method, e.text) for e in fake.edits] == [("editMessageText", "<i>Done</i>")]
    assert fake.callback_answers[0]["text"] == "ok"


async def test_concurrent_polls_conflict(bot: Bot, fake: FakeTelegram) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await fake.wait_for(lambda: fake.polling)
    status, body = await raw(fake, "getUpdates", data={"timeout": 0})
    assert status == 200 and body["result"] == []
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first
    assert [c.status for c in fake.conflicts] == [409]


async def test_updates_outside_allowed_updates_are_dropped(bot: Bot, fake: FakeTelegram) -> None:
    fake.add_update({"chat_member": {}})  # not delivered unless asked for
    fake.text_message("hi", chat_id=CHAT)
    assert [u.message.text for u in await bot.get_updates()] == ["hi"]
