"""Telegram's rules beyond the spec's types: text limits, HTML, inline keyboard buttons."""

from __future__ import annotations

import re
from typing import Any

from tests.support.fake_telegram.html import parse_html, utf16_len
from tests.support.fake_telegram.records import Exchange, bad_request

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
CALLBACK_ANSWER_LIMIT = 200  # characters of an answerCallbackQuery text


# Telegram refuses an inline keyboard of more buttons (not in the Bot API docs; seen in practice).
KEYBOARD_BUTTON_LIMIT = 100


def check_inline_keyboard(markup: Any) -> None:
    """Telegram's own rules for inline keyboard buttons, beyond the spec's types."""
    if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
        return
    passive = {"text", "icon_custom_emoji_id", "style"}
    rows = [row for row in markup["inline_keyboard"] if isinstance(row, list)]
    if sum(len(row) for row in rows) > KEYBOARD_BUTTON_LIMIT:
        raise bad_request("reply markup is too long")
    for row in markup["inline_keyboard"]:
        for button in row if isinstance(row, list) else []:
            if not isinstance(button, dict):
                continue
            actions = set(button) - passive
            if not actions:
                raise bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            if len(actions) > 1:
                raise bad_request(
                    "can't parse inline keyboard button: exactly one of "
                    f"{sorted(actions)} must be used"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_DATA_LIMIT:
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not re.match(r"(https?|tg)://\S", str(url)):
                raise bad_request("BUTTON_URL_INVALID")


def check_content(ex: Exchange) -> None:
    """Parse text/caption per parse_mode into ex.text/ex.entities; check lengths and buttons."""
    params = ex.params
    check_inline_keyboard(params.get("reply_markup"))
    key = "text" if "text" in params else "caption" if "caption" in params else None
    if key is None:
        return
    mode = str(params.get("parse_mode", "")).lower()
    if mode == "html":
        ex.text, ex.entities = parse_html(str(params[key]))
    elif mode in {"markdown", "markdownv2"}:
        raise bad_request(f"parse_mode {params['parse_mode']} is not supported by the fake")
    elif mode:
        raise bad_request(f"unsupported parse_mode {params['parse_mode']!r}")
    else:
        ex.text, ex.entities = (
            str(params[key]),
            params.get("entities" if key == "text" else "caption_entities"),
        )
    if key == "text" and ex.method in {"sendMessage", "editMessageText"}:
        if not ex.text.strip():
            raise bad_request("message text is empty")
        if utf16_len(ex.text) > TEXT_LIMIT:
            raise bad_request("message is too long")
    if key == "caption" and utf16_len(ex.text) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
