"""The fake Bot API is strict and answers like Telegram, through a real PTB Bot and raw HTTP."""

from __future__ import annotations

import html
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
)
from telegram.error import (
    BadRequest,
    InvalidToken,
)

from tests.support.fake_api import CHAT, GROUP, keyboard, needs_spec, raw
from tests.support.fake_telegram import (
    ApiError,
    FakeTelegram,
    parse_html,
    utf16_len,
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url) as client:
        yield client


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
    # All but "chat not found" (Telegram's answer for a name nobody has, not the bot's mistake),
    # and the edit.
    assert len(fake.rejected) == len(cases) - 1 + 1 and fake.sent == []


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
