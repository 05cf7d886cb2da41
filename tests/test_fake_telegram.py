"""The fake Bot API is strict and answers like Telegram, through a real PTB Bot and raw HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.support.fake_telegram import (
    FALLBACK_TYPES,
    SPEC_ENV,
    ApiError,
    Call,
    FakeTelegram,
    parse_html,
    spec_path_from_env,
    utf16_len,
)

CHAT = 5
GROUP = -1001234567890
# Checks that only the Bot API spec can make skip without it (a fresh clone, or SPEC_ENV=none).
needs_spec = pytest.mark.skipif(
    spec_path_from_env() is None,
    reason=f"needs the Bot API spec: ../shared/telegram/bot-api.json or {SPEC_ENV}=PATH",
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url) as client:
        yield client


async def raw(fake: FakeTelegram, method: str, token: str | None = None, **kw: Any) -> Any:
    """Call the fake without PTB: kw goes to httpx (data=, json=, files=)."""
    url = f"{fake.base_url}{token or fake.token}/{method}"
    async with httpx.AsyncClient() as client:
        response = await client.post(url, **kw)
    body = response.json()
    assert body["ok"] == (response.status_code == 200)
    return response.status_code, body


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


class ManualClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ----------------------------------------------------------------------------- serving


async def test_get_me_describes_the_bot(bot: Bot, fake: FakeTelegram) -> None:
    assert (bot.id, bot.username, bot.first_name) == (123456, "newsbot_test_bot", "NewsBot")
    assert fake.base_url.startswith("http://127.0.0.1:") and fake.base_url.endswith("/bot")


async def test_wrong_token_is_401_and_unknown_method_is_404(fake: FakeTelegram) -> None:
    assert await raw(fake, "getMe", token="1:wrong") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert await raw(fake, "sendMesage") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    with pytest.raises(InvalidToken, match="was rejected by the server"):
        async with Bot("1:wrong", base_url=fake.base_url):
            pass


async def test_json_and_query_bodies_are_understood(fake: FakeTelegram) -> None:
    markup = {"inline_keyboard": [[{"text": "More", "callback_data": "more:1"}]]}
    status, body = await raw(
        fake,
        "sendMessage",
        json={"chat_id": CHAT, "text": "<b>hi</b>", "parse_mode": "HTML", "reply_markup": markup},
    )
    assert status == 200 and body["result"]["reply_markup"] == markup
    assert body["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    status, _ = await raw(fake, "sendMessage", params={"chat_id": CHAT, "text": "query"})
    assert status == 200
    assert [(s.chat_id, s.text, s.reply_markup) for s in fake.sent] == [
        (CHAT, "<b>hi</b>", markup),
        (CHAT, "query", None),
    ]
    assert fake.rejected == []


@needs_spec
async def test_results_match_the_spec(bot: Bot, fake: FakeTelegram) -> None:
    """Every object the fake answers with validates against the Bot API spec."""
    assert fake.spec is not None
    _, me = await raw(fake, "getMe")
    fake.spec.check(me["result"], ["User"], "getMe")
    _, sent = await raw(
        fake,
        "sendMessage",
        data={
            "chat_id": GROUP,
            "text": "<b>x</b>",
            "parse_mode": "HTML",
            "reply_markup": json.dumps(
                {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
            ),
        },
    )
    fake.spec.check(sent["result"], ["Message"], "sendMessage")
    _, photo = await raw(fake, "sendPhoto", data={"chat_id": CHAT, "photo": "https://e.x/p.jpg"})
    fake.spec.check(photo["result"], ["Message"], "sendPhoto")
    for status in ("creator", "administrator", "member", "restricted", "left", "kicked"):
        fake.chat_members[GROUP, 7] = status
        _, member = await raw(fake, "getChatMember", data={"chat_id": GROUP, "user_id": 7})
        fake.spec.check(member["result"], ["ChatMember"], status)
        assert (await bot.get_chat_member(GROUP, 7)).status == status
    _, chat = await raw(fake, "getChat", data={"chat_id": GROUP})
    fake.spec.check(chat["result"], ["ChatFullInfo"], "getChat")
    message = fake.sent[0]
    updates = [
        fake.command("/start@newsbot_test_bot now", chat_id=GROUP, user_id=7),
        fake.text_message("hello", chat_id=CHAT),
        fake.text_message("anon", chat_id=GROUP, sender_chat=fake.chat(GROUP)),
        fake.text_message("post", chat_id=-1009, chat_type="channel", title="News"),
        fake.press_button(message, "a", user_id=7),
        *fake.migrate(-42, GROUP - 1),
        fake.my_chat_member(GROUP, "administrator"),
    ]
    for update in updates:
        fake.spec.check(update, ["Update"], "update")
    received = await bot.get_updates()
    assert [u.update_id for u in received] == [u["update_id"] for u in updates]
    assert received[0].message.entities[0].type == "bot_command"
    assert received[0].message.entities[0].length == len("/start@newsbot_test_bot")
    assert fake.rejected == []


# ----------------------------------------------------------------------------- HTML


async def test_valid_html_is_parsed_into_text_and_entities(bot: Bot, fake: FakeTelegram) -> None:
    text = (
        "<b>Bold <i>both</i></b> &lt;tag&gt; &amp; &quot;q&quot; &#169;&#x1F600; "
        '<a href="https://e.x/?a=1&amp;b=2">link</a> <tg-spoiler>s</tg-spoiler>'
        '<span class="tg-spoiler">p</span> <u>u</u><s>s</s><code>c</code>\n'
        '<pre><code class="language-python">x = 1</code></pre>'
        '<blockquote expandable>q</blockquote><tg-emoji emoji-id="5368324170671202286">👍'
        "</tg-emoji> > ok"
    )
    message = await bot.send_message(CHAT, text, parse_mode="HTML")
    assert message.text == ('Bold both <tag> & "q" ©😀 link sp usc\nx = 1q👍 > ok')
    got = [
        (e.type, e.offset, e.length, e.url or e.language or e.custom_emoji_id)
        for e in message.entities
    ]
    link_at = utf16_len('Bold both <tag> & "q" ©😀 ')
    assert got == [
        ("bold", 0, 9, None),
        ("italic", 5, 4, None),
        ("text_link", link_at, 4, "https://e.x/?a=1&b=2"),
        ("spoiler", link_at + 5, 1, None),
        ("spoiler", link_at + 6, 1, None),
        ("underline", link_at + 8, 1, None),
        ("strikethrough", link_at + 9, 1, None),
        ("code", link_at + 10, 1, None),
        ("pre", link_at + 12, 5, "python"),
        ("expandable_blockquote", link_at + 17, 1, None),
        ("custom_emoji", link_at + 18, 2, "5368324170671202286"),
    ]
    assert fake.sent[0].text == text and fake.sent[0].parse_mode == "HTML"
    assert fake.rejected == []


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("é<p>x</p>", 'Unsupported start tag "p" at byte offset 2'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("Tom & Jerry", 'Unescaped "&"'),
        ("a &nbsp; b", 'Unsupported HTML entity "&nbsp;"'),
        ("1 < 2", 'Unsupported start tag ""'),
        ("<b", "Unclosed start tag"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<a>no href</a>", 'Tag "a" must have a non-empty attribute "href"'),
        ('<b class=x">y</b>', "Unexpected end of name token"),
        ("<i foo>y</i>", "Expected equal sign"),
    ],
)
async def test_bad_html_is_rejected(bot: Bot, fake: FakeTelegram, text: str, error: str) -> None:
    with pytest.raises(BadRequest, match="^Can't parse entities: "):
        await bot.send_message(CHAT, text, parse_mode="HTML")
    (rejection,) = fake.rejected  # PTB capitalizes messages: check the fake's own text
    assert rejection.description.startswith("Bad Request: can't parse entities: ")
    assert error in rejection.description
    assert fake.sent == []


async def test_text_length_counts_utf16_after_parsing(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(CHAT, "😀" * 2048)  # 4096 UTF-16 code units: the limit
    await bot.send_message(CHAT, "<b>" + "&amp;" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="^Message is too long"):
        await bot.send_message(CHAT, "😀" * 2048 + "a")
    with pytest.raises(BadRequest, match="^Message text is empty"):
        await bot.send_message(CHAT, "<b> </b>\n", parse_mode="HTML")
    await bot.send_photo(CHAT, "https://e.x/p.jpg", caption="é" * 1024)
    with pytest.raises(BadRequest, match="^Message caption is too long"):
        await bot.send_photo(CHAT, "https://e.x/p.jpg", caption="😀" * 512 + "a")
    assert len(fake.sent) == 3 and len(fake.rejected) == 3


@given(st.text(max_size=50))
def test_escaped_text_round_trips(text: str) -> None:
    visible, entities = parse_html(f"<b>{html.escape(text)}</b>")
    assert visible == text
    assert entities == ([{"type": "bold", "offset": 0, "length": utf16_len(text)}] if text else [])


@given(st.text(alphabet='<>&/;#x"= abiprespanclgu-', max_size=40))
def test_any_markup_is_parsed_or_rejected_cleanly(source: str) -> None:
    try:
        visible, entities = parse_html(source)
    except ApiError as err:
        assert err.status == 400 and err.description.startswith("Bad Request: can't parse")
        return
    for entity in entities:
        assert 0 <= entity["offset"] < entity["offset"] + entity["length"] <= utf16_len(visible)


# ----------------------------------------------------------------------------- parameters


@needs_spec
async def test_unknown_missing_and_mistyped_parameters_are_rejected(fake: FakeTelegram) -> None:
    cases = [
        ({"chat_id": 1, "text": "x", "colour": "red"}, 'unknown parameter "colour"'),
        ({"text": "x"}, "chat_id is empty"),
        ({"chat_id": 1}, "message text is empty"),
        ({"chat_id": 1, "text": "x", "disable_notification": "maybe"}, "must be of type Boolean"),
        ({"chat_id": "nobody", "text": "x"}, "chat not found"),
        ({"chat_id": 1, "text": "x", "reply_markup": "{"}, "can't parse reply_markup JSON"),
        ({"chat_id": 1, "text": "x", "parse_mode": "HTML5"}, "unsupported parse_mode"),
        (
            {
                "chat_id": 1,
                "text": "x",
                "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback": "b"}]]}',
            },
            'unknown field "reply_markup.inline_keyboard[0][0].callback"',
        ),
        (
            {
                "chat_id": 1,
                "text": "x",
                "reply_markup": '{"inline_keyboard": [[{"text": 1, "callback_data": "b"}]]}',
            },
            'field "reply_markup.inline_keyboard[0][0].text" must be of type String',
        ),
        (
            {"chat_id": 1, "text": "x", "reply_markup": '{"inline_keyboard": [[{"text": "a"}]]}'},
            "Text buttons are unallowed",
        ),
        (
            {"chat_id": 1, "text": "x", "link_preview_options": '{"is_disabled": "yes"}'},
            "must be of type Boolean",
        ),
    ]
    for data, error in cases:
        status, body = await raw(fake, "sendMessage", data=data)
        assert status == 400 and error in body["description"], (data, body)
    status, body = await raw(
        fake, "editMessageText", data={"chat_id": 1, "message_id": "first", "text": "x"}
    )
    assert status == 400 and "must be of type Integer" in body["description"]
    assert len(fake.rejected) == len(cases) + 1 and fake.sent == []


async def test_callback_data_is_at_most_64_bytes(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(CHAT, "ok", reply_markup=keyboard("x" * 64))
    for data in ("x" * 65, "é" * 33):
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(CHAT, "no", reply_markup=keyboard(data))
    assert len(fake.sent) == 1 and len(fake.rejected) == 2


@needs_spec
async def test_nested_objects_are_checked_against_their_subtype(
    bot: Bot, fake: FakeTelegram
) -> None:
    await bot.set_my_commands(
        [BotCommand("news", "Latest posts")], scope=BotCommandScopeChat(GROUP)
    )
    assert fake.commands_for({"type": "chat", "chat_id": GROUP}) == [
        {"command": "news", "description": "Latest posts"}
    ]
    assert await bot.get_my_commands(scope=BotCommandScopeChat(GROUP)) == (
        BotCommand("news", "Latest posts"),
    )
    status, body = await raw(
        fake,
        "setMyCommands",
        data={"commands": '[{"command": "news", "description": "x"}]', "scope": '{"type": "chat"}'},
    )
    assert (
        status == 400
        and 'field "scope.chat_id" is required in BotCommandScopeChat' in (body["description"])
    )
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("News", "Latest")])


async def test_command_lists_are_kept_per_scope_and_language(bot: Bot, fake: FakeTelegram) -> None:
    await bot.set_my_commands([BotCommand("help", "What I can do")])
    await bot.set_my_commands([BotCommand("help", "Was ich kann")], language_code="de")
    scope = BotCommandScopeChat(GROUP)
    await bot.set_my_commands([BotCommand("help", "Что я умею")], scope=scope, language_code="ru")
    assert fake.commands_for()[0]["description"] == "What I can do"
    assert fake.commands_for(None, "de")[0]["description"] == "Was ich kann"
    assert fake.commands_for({"type": "chat", "chat_id": GROUP}, "ru")[0]["command"] == "help"
    assert fake.commands_for({"type": "chat", "chat_id": GROUP}) == []
    assert await bot.get_my_commands(language_code="de") == (BotCommand("help", "Was ich kann"),)
    with pytest.raises(BadRequest, match="Lang_code_invalid"):
        await bot.set_my_commands([BotCommand("help", "x")], language_code="de-AT")


async def test_without_the_spec_file_the_rest_still_works(tmp_path: Path) -> None:
    async with FakeTelegram(spec_path=tmp_path / "absent.json") as fake:
        assert fake.spec is None
        status, _ = await raw(fake, "sendMessage", data={"chat_id": 1, "text": "x", "odd": "1"})
        assert status == 200 and fake.sent[0].chat_id == 1
        status, body = await raw(fake, "sendMessage", data={"chat_id": 1, "text": "<p>"})
        assert status == 200
        status, body = await raw(
            fake, "sendMessage", data={"chat_id": 1, "text": "<p>", "parse_mode": "HTML"}
        )
        assert status == 400 and "Unsupported start tag" in body["description"]


# ----------------------------------------------------------------------------- without the spec


async def exercise(fake: FakeTelegram) -> list[Call]:
    """Every kind of parameter newsbot sends, through PTB: what the fake decoded."""
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        sent = await bot.send_message(
            CHAT,
            "<b>123</b>",
            parse_mode="HTML",
            disable_notification=True,
            protect_content=False,
            allow_paid_broadcast=True,
            reply_markup=keyboard("sub:1"),
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        await bot.send_message("12345", "true")  # strings that look like numbers stay strings
        await bot.send_photo(CHAT, "https://e.x/p.jpg", caption="c", has_spoiler=False)
        await bot.set_my_commands([BotCommand("news", "Latest")], scope=BotCommandScopeChat(GROUP))
        update = Update.de_json(fake.press_button(fake.sent[0], "sub:1", user_id=7), bot)
        assert update.callback_query is not None
        await update.callback_query.answer("0", show_alert=True, cache_time=5)
        await bot.edit_message_text("456", CHAT, sent.message_id)
        await bot.get_updates(offset=update.update_id + 1, limit=10, timeout=0)
        await bot.get_chat_member(GROUP, 7)
    return [call for call in fake.calls if call.method != "getMe"]


async def test_without_the_spec_parameters_are_decoded_by_type() -> None:
    async with FakeTelegram(use_spec=False) as fake:
        assert fake.spec is None
        calls = await exercise(fake)
        assert fake.rejected == []
    first, numeric, photo, commands, answer, edit, updates, member = (c.params for c in calls)
    assert first["chat_id"] == CHAT and first["text"] == "<b>123</b>"
    assert first["disable_notification"] is True and first["protect_content"] is False
    assert first["allow_paid_broadcast"] is True
    assert first["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "sub:1"
    assert first["link_preview_options"] == {"is_disabled": True}
    assert numeric["chat_id"] == 12345 and numeric["text"] == "true"
    assert photo["has_spoiler"] is False and photo["photo"] == "https://e.x/p.jpg"
    assert isinstance(edit["message_id"], int) and edit["text"] == "456"
    assert commands["commands"] == [{"command": "news", "description": "Latest"}]
    assert commands["scope"] == {"type": "chat", "chat_id": GROUP}
    assert answer["show_alert"] is True and answer["cache_time"] == 5 and answer["text"] == "0"
    assert updates["limit"] == 10 and updates["timeout"] == 0 and isinstance(updates["offset"], int)
    assert member == {"chat_id": GROUP, "user_id": 7}


@needs_spec
async def test_without_the_spec_the_fake_decodes_what_newsbot_sends_as_with_it() -> None:
    async with FakeTelegram() as with_spec, FakeTelegram(use_spec=False) as without:
        assert with_spec.spec is not None and without.spec is None
        expected = [(c.method, c.params, c.status) for c in await exercise(with_spec)]
        assert [(c.method, c.params, c.status) for c in await exercise(without)] == expected


@needs_spec
def test_the_fallback_types_agree_with_the_spec() -> None:
    """FALLBACK_TYPES has the spec's kind of every parameter of every method the fake serves."""
    spec = FakeTelegram().spec
    assert spec is not None

    def kinds(types: list[str]) -> set[str]:
        scalars = {"Integer", "Float", "Boolean", "String", "InputFile"}
        return {
            t if t in scalars else "Array" if t.startswith("Array") else "Object" for t in types
        }

    served = FakeTelegram(use_spec=False)._method_names.values()
    for method in served:
        for name, field in spec.fields[method].items():
            fallback = FALLBACK_TYPES.get(name, ["String"])
            assert kinds(fallback) == kinds(field["types"]), (method, name, field["types"])


@pytest.mark.parametrize("use_spec", [pytest.param(True, marks=needs_spec), False])
async def test_mistyped_parameters_are_rejected_with_or_without_the_spec(use_spec: bool) -> None:
    cases = [
        ({"chat_id": 1, "text": "x", "disable_notification": "maybe"}, "must be of type Boolean"),
        ({"chat_id": "nobody", "text": "x"}, "chat not found"),
        ({"chat_id": 1, "text": "x", "reply_markup": "{"}, "can't parse reply_markup JSON"),
        ({"chat_id": 1, "text": "x", "reply_markup": "[]"}, "must be an object"),
        ({"chat_id": 1, "text": "x", "entities": "{}"}, 'field "entities" must be an Array'),
        ({"chat_id": 1, "text": "x", "reply_markup": '{"inline_keyboard": [[{"text": "a"}]]}'},
         "Text buttons are unallowed"),
    ]  # fmt: skip
    async with FakeTelegram(use_spec=use_spec) as fake:
        for data, error in cases:
            status, body = await raw(fake, "sendMessage", data=data)
            assert status == 400 and error in body["description"], (data, body)
        status, body = await raw(
            fake, "editMessageText", data={"chat_id": 1, "message_id": "first", "text": "x"}
        )
        assert status == 400 and "must be of type Integer" in body["description"]
        assert len(fake.rejected) == len(cases) + 1 and fake.sent == []


def test_the_spec_is_chosen_by_an_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny = tmp_path / "bot-api.json"
    tiny.write_text(json.dumps({"methods": {"getMe": {"returns": ["User"]}}, "types": {}}))
    monkeypatch.setenv(SPEC_ENV, str(tiny))
    spec = FakeTelegram().spec
    assert spec is not None and list(spec.methods) == ["getMe"]
    monkeypatch.setenv(SPEC_ENV, "none")
    assert FakeTelegram().spec is None
    monkeypatch.setenv(SPEC_ENV, str(tmp_path / "absent.json"))
    with pytest.raises(FileNotFoundError, match=f"{SPEC_ENV}=.*absent.json"):
        FakeTelegram()


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


# ----------------------------------------------------------------------------- knobs


async def test_chat_knobs_raise_ptbs_exceptions(bot: Bot, fake: FakeTelegram) -> None:
    fake.blocked.add(1)
    fake.kicked.add(-2)
    fake.deactivated.add(3)
    fake.migrated[-4] = GROUP
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1, "x")
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await bot.send_message(-2, "x")
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(3, "x")
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(-4, "x")
    assert migrated.value.new_chat_id == GROUP
    fake.bad_photos = {"https://e.x/broken.jpg"}
    await bot.send_photo(CHAT, "https://e.x/fine.jpg")
    with pytest.raises(BadRequest, match="Wrong type of the web page content"):
        await bot.send_photo(CHAT, "https://e.x/broken.jpg")
    assert fake.rejected == [] and len(fake.sent) == 1  # knobs are not the bot's mistakes


async def test_update_helpers_move_the_knobs(fake: FakeTelegram) -> None:
    fake.my_chat_member(CHAT, "kicked")
    fake.my_chat_member(GROUP, "kicked")
    assert (fake.blocked, fake.kicked) == ({CHAT}, {GROUP})
    fake.my_chat_member(GROUP, "member")
    assert fake.kicked == set()
    fake.migrate(-4, GROUP)
    assert fake.migrated == {-4: GROUP} and fake.chat(GROUP)["type"] == "supergroup"


async def test_forced_retry_after(
    bot: Bot, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # else PTB warns when reading retry_after
    fake.force_retry_after(3, count=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(CHAT, "x")
        assert caught.value.retry_after == dtm.timedelta(seconds=3)
    await bot.send_message(CHAT, "x")
    assert fake.rejected_429 == 2 and len(fake.sent) == 1


async def test_bot_wide_rate_limit_uses_a_sliding_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    clock = ManualClock()
    async with (
        FakeTelegram(rate_limit=3, clock=clock) as fake,
        Bot(fake.token, base_url=fake.base_url) as bot,
    ):
        for step in (0.0, 0.25, 0.5):
            clock.now += step
            await bot.send_message(CHAT + int(step * 10), "x")
        await bot.edit_message_text("y", CHAT, 1)  # edits do not count
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(CHAT, "x")
        assert caught.value.retry_after == dtm.timedelta(seconds=1)
        clock.now += 0.25  # the first send leaves the window
        await bot.send_message(CHAT, "x")
        assert fake.max_sends_in_window(1.0) == 3
        assert fake.max_sends_in_window(2.0) == 4
        assert fake.stats()["rejected_429"] == 1


async def test_group_rate_limit_is_per_group_per_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    clock = ManualClock()
    async with (
        FakeTelegram(group_rate_limit=2, clock=clock) as fake,
        Bot(fake.token, base_url=fake.base_url) as bot,
    ):
        await bot.send_message(GROUP, "1")
        clock.now += 10
        await bot.send_message(GROUP, "2")
        await bot.send_message(CHAT, "private chats are not limited")
        await bot.send_message(CHAT, "private chats are not limited")
        await bot.send_message(GROUP - 1, "another group")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(GROUP, "3")
        assert caught.value.retry_after == dtm.timedelta(seconds=50)
        clock.now += 50
        await bot.send_message(GROUP, "3")
        assert fake.max_group_sends_in_window(GROUP, 60.0) == 2


async def test_error_rate_answers_bad_gateway() -> None:
    async with FakeTelegram(error_rate=1.0) as fake, Bot(fake.token, base_url=fake.base_url) as bot:
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(CHAT, "x")
        assert fake.sent == [] and fake.stats()["by_status"] == {"200": 1, "502": 1}


async def test_a_slow_answer_is_delivered_but_marked(bot: Bot, fake: FakeTelegram) -> None:
    fake.method_delays["sendMessage"] = 1.0
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "late", read_timeout=0.1)
    await fake.wait_for(lambda: fake.sent and fake.sent[0].slow)
    assert fake.sent[0].text == "late"


async def test_latency_delays_every_answer_errors_included() -> None:
    async with (
        FakeTelegram(latency=1.0) as fake,
        Bot(fake.token, base_url=fake.base_url) as bot,
    ):
        fake.blocked.add(CHAT + 1)
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "on its way", read_timeout=0.1)
        with pytest.raises(TimedOut):  # a refusal takes the same way back
            await bot.send_message(CHAT + 1, "refused", read_timeout=0.1)
        await fake.wait_idle()
        assert [m.text for m in fake.sent] == ["on its way"]
        fake.latency = 0.0
        assert (await bot.send_message(CHAT, "at once", read_timeout=0.5)).text == "at once"


async def test_control_endpoints(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(CHAT, "x")
    async with httpx.AsyncClient() as client:
        root = fake.base_url.removesuffix("/bot")
        stats = (await client.get(f"{root}/_fake/stats")).json()
        assert stats == {
            "sent": 1,
            "rejected_429": 0,
            "max_per_second": 1,
            "by_status": {"200": 2},
            "rejected": 0,
        }
        await client.post(f"{root}/_fake/reset")
    assert fake.sent == [] and fake.calls == []


@pytest.mark.slow
def test_command_line_server_serves_until_sigterm() -> None:
    root = Path(__file__).resolve().parents[1]
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "tests.support.fake_telegram", "--port", "0"),
            *("--rate-limit", "30", "--latency", "0.01"),
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().split()[-1]
        me = httpx.post(f"{base_url}123456:TEST-token/getMe").json()
        assert me["result"]["username"] == "newsbot_test_bot"
        stats = httpx.get(base_url.removesuffix("/bot") + "/_fake/stats").json()
        assert stats["by_status"] == {"200": 1}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
