"""Callback data: what the bot makes parses back; anything else parses to None, never raises."""

from __future__ import annotations

from bot.domain import callbacks
from bot.domain.callbacks import (
    Action,
    BroadcastButton,
    LanguageButton,
    SettingsPage,
    SettingsPageButton,
    TopicButton,
    TopicRef,
)
from bot.domain.i18n import LANGUAGES


def test_callback_parsing_is_total() -> None:
    assert callbacks.parse("bc-send:42") == BroadcastButton(Action.SEND_BROADCAST, 42)
    assert callbacks.parse(f"bc-cancel:{2**63 - 1}") == BroadcastButton(
        Action.CANCEL_BROADCAST, 2**63 - 1
    )
    assert callbacks.parse("sub:korea,-north") == TopicButton(
        Action.SUBSCRIBE, TopicRef(key="korea,-north")
    )
    long_key = "k" * 80
    parsed = callbacks.parse(callbacks.unsubscribe_data(long_key))
    assert isinstance(parsed, TopicButton) and parsed.action == Action.UNSUBSCRIBE
    assert parsed.topic.resolve(["news", long_key]) == long_key
    assert TopicRef(key="gone").resolve(["news"]) is None
    for data in ["bc-send:" + "9" * 30, f"bc-send:{2**63}", "bc-send:²", "bc-send:0", "x:1", ""]:
        assert callbacks.parse(data) is None, data


def test_settings_pages_and_their_languages_parse_back() -> None:
    for page in SettingsPage:
        assert callbacks.parse(callbacks.settings_data(page)) == SettingsPageButton(page)
    for code in LANGUAGES:
        data = callbacks.settings_language_data(code)
        assert callbacks.parse(data) == LanguageButton(Action.SETTINGS_LANGUAGE, code)
        # Not the /language keyboard's button: a choice on the page leads back to the menu.
        assert callbacks.parse(data) != callbacks.parse(callbacks.language_data(code))
    for data in ["cfg-page", "cfg-page:", "cfg-page:lang ", "cfg-lang:", "cfg-lang:" + "x" * 9]:
        assert callbacks.parse(data) is None, data
