"""Callback data of inline buttons: small strings Telegram echoes back (at most 64 bytes).

Any client can send any callback data, so `parse` is total: a forged or stale string gives
None, never an exception, and an id it returns always fits a 64-bit column.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.notes import telegram_length
from bot.domain.schedule_commands import argument, parse_setting
from bot.domain.schedules import SettingChange

MAX_DATA_BYTES = 64
ANSWER_LIMIT = 200  # characters of a callback query answer
LABEL_LIMIT = 64  # our bound for a button's text: longer labels are cut off on phones anyway
MAX_ID = 2**63 - 1  # the largest value of a BIGINT column

_ELLIPSIS = "…"
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: str.isdigit() also accepts "²" and "٣"
_DIGEST = re.compile(r"[0-9a-f]{24}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,8}")


class Action(StrEnum):
    """What a button does; its value is the prefix of the callback data."""

    SUBSCRIBE = "sub"
    UNSUBSCRIBE = "unsub"
    SEND_BROADCAST = "bc-send"
    CANCEL_BROADCAST = "bc-cancel"
    EDIT_BROADCAST = "bc-edit"
    RECALL_BROADCAST = "bc-recall"
    SETTINGS = "cfg"  # a choice in the /settings menu
    SETTINGS_PAGE = "cfg-page"  # a page of the /settings menu: the languages, the time zones
    SETTINGS_LANGUAGE = "cfg-lang"  # a language on the /settings menu's page of languages
    TEST_BROADCAST = "bc-test"  # "Send to me first"
    UNSCHEDULE_BROADCAST = "bc-unsched"  # Cancel under /scheduled
    REMOVE_CHANNEL = "ch-rm"
    LANGUAGE = "lang"
    RESUBSCRIBE = "resub"  # a note's undo, once its unsubscribe button was pressed
    LEAVE = "leave"  # a topic in the /unsubscribe keyboard

    @property
    def pattern(self) -> str:
        """A regular expression matching the callback data of this action's buttons."""
        return f"^{re.escape(self.value)}:"


@dataclass(frozen=True)
class TopicRef:
    """A topic as a button names it: its key, or the digest of a key too long for the data."""

    key: str | None = None
    digest: str | None = None

    def resolve(self, keys: Iterable[str]) -> str | None:
        """The key among `keys` this names; None when none of them is meant."""
        for key in keys:
            if key == self.key or (self.digest is not None and digest(key) == self.digest):
                return key
        return None


@dataclass(frozen=True)
class TopicButton:
    """A pressed subscribe or unsubscribe button."""

    action: Action
    topic: TopicRef


@dataclass(frozen=True)
class BroadcastButton:
    """A pressed button under a broadcast's preview or report: send, cancel, edit, recall."""

    action: Action
    broadcast_id: int


@dataclass(frozen=True)
class SettingsButton:
    """A pressed choice of the /settings menu (or the menu itself, to show it again)."""

    change: SettingChange | None


class SettingsPage(StrEnum):
    """A page the /settings menu opens in place of itself; its value is in the callback data."""

    LANGUAGE = "lang"
    TIMEZONE = "tz"


@dataclass(frozen=True)
class SettingsPageButton:
    """A pressed button of the /settings menu that opens one of its pages."""

    page: SettingsPage


@dataclass(frozen=True)
class ChannelButton:
    """A pressed remove button under /channels; channel ids are negative, the data is not."""

    action: Action
    chat_id: int


@dataclass(frozen=True)
class LanguageButton:
    """A pressed language button (/language's, or the /settings page's): a code, not yet checked."""

    action: Action
    code: str


Button = (
    TopicButton
    | BroadcastButton
    | ChannelButton
    | LanguageButton
    | SettingsButton
    | SettingsPageButton
)
LANGUAGE_ACTIONS = (Action.LANGUAGE, Action.SETTINGS_LANGUAGE)
BROADCAST_ACTIONS = (
    Action.SEND_BROADCAST,
    Action.CANCEL_BROADCAST,
    Action.TEST_BROADCAST,
    Action.UNSCHEDULE_BROADCAST,
    Action.EDIT_BROADCAST,
    Action.RECALL_BROADCAST,
)


def _topic_ref(key: str, action: Action) -> str:
    data = f"{action}:{key}"
    if len(data.encode()) <= MAX_DATA_BYTES:
        return data
    # Long keys travel as a digest, resolved against the topics the chat can see.
    return f"{action}:#{digest(key)}"


def digest(key: str) -> str:
    return hashlib.blake2s(key.encode(), digest_size=12).hexdigest()


def subscribe_data(key: str) -> str:
    return _topic_ref(key, Action.SUBSCRIBE)


def unsubscribe_data(key: str) -> str:
    return _topic_ref(key, Action.UNSUBSCRIBE)


def resubscribe_data(key: str) -> str:
    return _topic_ref(key, Action.RESUBSCRIBE)


def leave_data(key: str) -> str:
    return _topic_ref(key, Action.LEAVE)


def broadcast_data(action: Action, broadcast_id: int) -> str:
    return f"{action}:{broadcast_id}"


def settings_data(change: SettingChange | SettingsPage | None) -> str:
    """The data of a settings menu button: a change, a page to open, or None: the menu again."""
    if change is None:
        return f"{Action.SETTINGS}:"
    if isinstance(change, SettingsPage):
        return f"{Action.SETTINGS_PAGE}:{change}"
    code, text = argument(change)
    return f"{Action.SETTINGS}:{code}:{text}"


def _settings_button(value: str) -> SettingsButton | None:
    if not value:
        return SettingsButton(None)
    code, sep, text = value.partition(":")
    change = parse_setting(code, text) if sep else None
    return None if change is None else SettingsButton(change)


def channel_data(chat_id: int) -> str:
    return f"{Action.REMOVE_CHANNEL}:{-chat_id}"


def language_data(code: str) -> str:
    return f"{Action.LANGUAGE}:{code}"


def settings_language_data(code: str) -> str:
    """A language on the /settings menu's page: chosen, it shows the menu again."""
    return f"{Action.SETTINGS_LANGUAGE}:{code}"


def _settings_page(value: str) -> SettingsPageButton | None:
    try:
        return SettingsPageButton(SettingsPage(value))
    except ValueError:
        return None


def parse(data: str) -> Button | None:
    """The button behind callback data, or None for data this bot did not make."""
    name, sep, value = data.partition(":")
    try:
        action = Action(name)
    except ValueError:
        return None
    if action == Action.SETTINGS and sep:
        return _settings_button(value)
    if not sep or not value:
        return None
    if action in LANGUAGE_ACTIONS:
        return LanguageButton(action, value) if _LANGUAGE_CODE.fullmatch(value) else None
    if action == Action.SETTINGS_PAGE:
        return _settings_page(value)
    if action in BROADCAST_ACTIONS:
        broadcast_id = parse_id(value)
        return None if broadcast_id is None else BroadcastButton(action, broadcast_id)
    if action == Action.REMOVE_CHANNEL:
        channel = parse_id(value)
        return None if channel is None else ChannelButton(action, -channel)
    if not value.startswith("#"):
        return TopicButton(action, TopicRef(key=value))
    if not _DIGEST.fullmatch(value[1:]):
        return None
    return TopicButton(action, TopicRef(digest=value[1:]))


def parse_id(text: str) -> int | None:
    """A database id written in ASCII digits, within 1..2**63-1; None for anything else."""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-16 units (Telegram's measure), "…" marking a cut."""
    if telegram_length(text) <= limit:
        return text
    room = limit - len(_ELLIPSIS)
    end = used = 0
    while used + telegram_length(text[end]) <= room:
        used += telegram_length(text[end])
        end += 1
    return text[:end].rstrip() + _ELLIPSIS


def answer_text(text: str) -> str:
    """A callback query answer within Telegram's limit."""
    return shorten(text, ANSWER_LIMIT)


def button_label(text: str) -> str:
    """A button's text within our bound (never empty: Telegram refuses an empty label)."""
    return shorten(text, LABEL_LIMIT) or "?"
