"""The fake Bot API without the spec file: parameters decoded by type, as with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    LinkPreviewOptions,
    Update,
)

from tests.support.fake_api import CHAT, GROUP, keyboard, needs_spec, raw
from tests.support.fake_telegram import (
    FALLBACK_TYPES,
    SPEC_ENV,
    Call,
    FakeTelegram,
)

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
        # All but "chat not found" (not the bot's mistake), and the edit.
        assert len(fake.rejected) == len(cases) - 1 + 1 and fake.sent == []


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
