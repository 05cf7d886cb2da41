"""A fake Telegram Bot API server that PTB talks to over real HTTP, as strict as the real one.

In tests: ``async with FakeTelegram() as fake: bot = Bot(fake.token, base_url=fake.base_url)``.
For benchmarks: ``python -m tests.fake_telegram --port 8081 --rate-limit 30``.
Calls are checked against the Bot API spec: ../shared/telegram/bot-api.json, or the file
$NEWSBOT_BOT_API_SPEC names (``none``: no spec, parameters decoded by FALLBACK_TYPES).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import hashlib
import itertools
import json
import math
import os
import random
import re
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

JSON = dict[str, Any]

DEFAULT_SPEC_PATH = (
    Path(__file__).resolve().parents[1].parent / "shared" / "telegram" / "bot-api.json"
)
# A path to the spec, or "none" to run without it (CI proves a fresh clone passes that way).
SPEC_ENV = "NEWSBOT_BOT_API_SPEC"
DEFAULT_TOKEN = "123456:TEST-token"
BOT_USERNAME = "newsbot_test_bot"
GROUP_USER_ID = 424242  # who speaks in a group when a test names no user
ANONYMOUS_ADMIN = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
CALLBACK_ANSWER_LIMIT = 200  # characters of an answerCallbackQuery text

SEND_METHODS = frozenset(
    [
        "sendMessage",
        "sendPhoto",
        "sendAudio",
        "sendDocument",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendVideoNote",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendSticker",
        "sendPaidMedia",
        "sendInvoice",
        "sendGame",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    ]
)
# Update types getUpdates leaves out until allowed_updates names them.
NOT_ALLOWED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Without the spec file: the spec's type of every parameter of the methods the fake implements
# that is not a String (test_fake_telegram checks this table against the spec when it is there).
FALLBACK_TYPES: dict[str, list[str]] = {
    **dict.fromkeys(
        [
            "cache_time", "direct_messages_topic_id", "limit", "max_connections", "message_id",
            "message_thread_id", "offset", "timeout", "user_id",
        ],
        ["Integer"],
    ),
    **dict.fromkeys(
        [
            "allow_paid_broadcast", "disable_notification", "drop_pending_updates", "has_spoiler",
            "protect_content", "show_alert", "show_caption_above_media",
        ],
        ["Boolean"],
    ),
    "chat_id": ["Integer", "String"],
    "photo": ["InputFile", "String"],
    "certificate": ["InputFile"],
    "allowed_updates": ["Array of String"],
    "caption_entities": ["Array of MessageEntity"],
    "commands": ["Array of BotCommand"],
    "entities": ["Array of MessageEntity"],
    "link_preview_options": ["LinkPreviewOptions"],
    "reply_markup": ["InlineKeyboardMarkup"],
    "reply_parameters": ["ReplyParameters"],
    "rich_message": ["InputRichMessage"],
    "scope": ["BotCommandScope"],
    "suggested_post_parameters": ["SuggestedPostParameters"],
}  # fmt: skip


def spec_path_from_env() -> Path | None:
    """The spec to check calls against: $NEWSBOT_BOT_API_SPEC, else ../shared if present."""
    value = os.environ.get(SPEC_ENV, "").strip()
    if value.lower() == "none":
        return None
    if not value:
        return DEFAULT_SPEC_PATH if DEFAULT_SPEC_PATH.is_file() else None
    if not Path(value).is_file():
        raise FileNotFoundError(
            f"{SPEC_ENV}={value}: no such file (set it to 'none' to run without)"
        )
    return Path(value)


# --------------------------------------------------------------------------- records


@dataclass
class SentMessage:
    """A message the bot sent or edited, as the fake accepted it."""

    method: str
    chat_id: int  # 0 for inline messages
    message_id: int
    text: str | None  # HTML as sent; the caption for photos
    parse_mode: str | None
    photo: str | None
    reply_markup: JSON | None
    params: JSON
    at: float
    slow: bool = False  # answered after the client had given up (Telegram delivered it anyway)


@dataclass(frozen=True)
class Call:
    """One Bot API call and the status the fake answered with."""

    method: str
    params: Mapping[str, Any]
    status: int
    at: float
    description: str | None = None


@dataclass(frozen=True)
class Upload:
    """A file uploaded in a multipart request."""

    filename: str | None
    size: int


class ApiError(Exception):
    """An error answer of the Bot API; `deliberate` marks those a misbehaviour knob caused."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        parameters: JSON | None = None,
        deliberate: bool = False,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters
        self.deliberate = deliberate

    def payload(self) -> JSON:
        """The JSON body Telegram answers with."""
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> ApiError:
    """A 400 answer with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {description}")


# --------------------------------------------------------------------------- HTML


_ENTITY_TYPES = {
    tag: entity_type
    for entity_type, tags in {
        "bold": "b strong",
        "italic": "i em",
        "underline": "u ins",
        "strikethrough": "s strike del",
        "spoiler": "span tg-spoiler",
        "text_link": "a",
        "custom_emoji": "tg-emoji",
        "code": "code",
        "pre": "pre",
        "blockquote": "blockquote",
    }.items()
    for tag in tags.split()
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_PLAIN_RUN = re.compile(r"[^<&]+")
_CHAR_ENTITY = re.compile(r"&(?:#([0-9]{1,10})|#[xX]([0-9a-fA-F]{1,8})|([A-Za-z][A-Za-z0-9]*));")
_TAG_NAME = re.compile(r"[^\s>]*")
_ATTR_NAME = re.compile(r"[^\s=>]*")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_SPACES = re.compile(r"\s*")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    """A start tag waiting for its end tag."""

    name: str
    offset: int  # UTF-16 offset of the entity in the visible text
    attrs: dict[str, str]
    language: str | None = None


class _HtmlParser:
    """Telegram's HTML parse mode (modelled on tdlib's parse_html), stricter about bare `&`."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.length = 0  # UTF-16 length of the visible text so far
        self.stack: list[_OpenTag] = []
        self.entities: list[JSON] = []

    def error(self, message: str, at: int | None = None) -> ApiError:
        """A "can't parse entities" error; `at` is a str index, reported as a byte offset."""
        if at is not None:
            message += f" at byte offset {self.byte_offset(at)}"
        return bad_request(f"can't parse entities: {message}")

    def byte_offset(self, at: int) -> int:
        """The UTF-8 byte offset of a str index, as Telegram reports positions."""
        return len(self.src[:at].encode())

    def emit(self, text: str) -> None:
        """Append visible text."""
        self.out.append(text)
        self.length += utf16_len(text)

    def parse(self) -> tuple[str, list[JSON]]:
        """Return the visible text and its MessageEntity dicts."""
        src = self.src
        while self.pos < len(src):
            if run := _PLAIN_RUN.match(src, self.pos):
                self.emit(run.group())
                self.pos = run.end()
            elif src[self.pos] == "&":
                char, self.pos = self.entity(self.pos)
                self.emit(char)
            elif src.startswith("</", self.pos):
                self.end_tag()
            else:
                self.start_tag()
        if self.stack:
            raise self.error(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def entity(self, at: int) -> tuple[str, int]:
        """Decode the character entity at `at`; return it and the index after it."""
        m = _CHAR_ENTITY.match(self.src, at)
        if m is None:
            raise self.error('Unescaped "&" (write &amp;)', at)
        decimal, hexadecimal, name = m.groups()
        if name is not None:
            if name not in _NAMED_ENTITIES:
                raise self.error(f'Unsupported HTML entity "&{name};"', at)
            return _NAMED_ENTITIES[name], m.end()
        code = int(decimal) if decimal is not None else int(hexadecimal, 16)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise self.error(f'Invalid character entity "{m.group()}"', at)
        return chr(code), m.end()

    def skip_spaces(self, at: int) -> int:
        """Index of the first non-space character from `at`."""
        return _SPACES.match(self.src, at).end()  # type: ignore[union-attr]

    def start_tag(self) -> None:
        """Parse `<name attr="value" ...>` at self.pos."""
        src, begin = self.src, self.pos
        name_match = _TAG_NAME.match(src, begin + 1)
        assert name_match is not None
        name, i = name_match.group().lower(), name_match.end()
        if i >= len(src):
            raise self.error("Unclosed start tag", begin)
        if name not in _ENTITY_TYPES:
            raise self.error(f'Unsupported start tag "{name}"', begin)
        attrs: dict[str, str] = {}
        while True:
            i = self.skip_spaces(i)
            if i >= len(src):
                raise self.error("Unclosed start tag", begin)
            if src[i] == ">":
                break
            attr_match = _ATTR_NAME.match(src, i)
            assert attr_match is not None
            attr, i = attr_match.group().lower(), self.skip_spaces(attr_match.end())
            if not attr:
                raise self.error(f'Empty attribute name in the tag "{name}"', i)
            if i >= len(src) or src[i] != "=":
                if name == "blockquote" and attr == "expandable":
                    attrs[attr] = ""
                    continue
                raise self.error(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}"',
                    begin,
                )
            i = self.skip_spaces(i + 1)
            if i >= len(src):
                raise self.error("Unclosed start tag", begin)
            attrs[attr], i = self.attribute_value(i, begin)
        self.pos = i + 1
        self.stack.append(_OpenTag(name, self.length, attrs))
        self.check_start_tag(self.stack[-1], begin)

    def attribute_value(self, i: int, begin: int) -> tuple[str, int]:
        """Parse a quoted or bare attribute value at `i`; return it and the index after it."""
        src = self.src
        if src[i] not in "'\"":
            token = _NAME_TOKEN.match(src, i)
            assert token is not None
            end = token.end()
            if end >= len(src) or not (src[end].isspace() or src[end] == ">"):
                raise self.error("Unexpected end of name token", end)
            return token.group().lower(), end
        quote, i = src[i], i + 1
        value: list[str] = []
        while i < len(src) and src[i] != quote:
            if src[i] == "&":
                char, i = self.entity(i)
                value.append(char)
            else:
                value.append(src[i])
                i += 1
        if i >= len(src):
            raise self.error("Unclosed start tag", begin)
        return "".join(value), i + 1

    def check_start_tag(self, tag: _OpenTag, begin: int) -> None:
        """Reject attributes Telegram requires or refuses."""
        if tag.name == "span" and tag.attrs.get("class") != "tg-spoiler":
            raise self.error('Tag "span" must have class "tg-spoiler"', begin)
        if tag.name == "a" and not tag.attrs.get("href"):
            raise self.error('Tag "a" must have a non-empty attribute "href"', begin)
        if tag.name == "tg-emoji" and not tag.attrs.get("emoji-id", "").isdigit():
            raise self.error("Invalid custom emoji identifier specified", begin)

    def end_tag(self) -> None:
        """Parse `</name>` at self.pos and close the innermost open tag."""
        src, begin = self.src, self.pos
        if not self.stack:
            raise self.error("Unexpected end tag", begin)
        name_match = _TAG_NAME.match(src, begin + 2)
        assert name_match is not None
        i = self.skip_spaces(name_match.end())
        if i >= len(src) or src[i] != ">":
            raise self.error("Unclosed end tag", begin)
        name, tag = name_match.group().lower(), self.stack.pop()
        if name and name != tag.name:
            raise self.error(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{tag.name}>", found "</{name}>"'
            )
        self.pos = i + 1
        self.close(tag)

    def close(self, tag: _OpenTag) -> None:
        """Turn a closed tag into a MessageEntity."""
        length = self.length - tag.offset
        parent = self.stack[-1] if self.stack else None
        css_class = tag.attrs.get("class", "")
        if (
            tag.name == "code"
            and parent
            and parent.name == "pre"
            and css_class.startswith("language-")
        ):
            parent.language = css_class.removeprefix("language-")  # one pre entity, as Telegram
            return
        if length == 0:
            return  # Telegram drops empty entities
        entity: JSON = {"type": _ENTITY_TYPES[tag.name], "offset": tag.offset, "length": length}
        if tag.name == "a":
            entity["url"] = tag.attrs["href"]
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        elif tag.name == "pre" and tag.language:
            entity["language"] = tag.language
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        self.entities.append(entity)


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Parse Telegram HTML into (visible text, entities); raises ApiError like the Bot API."""
    return _HtmlParser(source).parse()


# --------------------------------------------------------------------------- spec


class SpecError(Exception):
    """A value that does not match the spec's type."""


_CONSTANT = re.compile(r'(?:must be|always) "?([a-z0-9_]+)"?\.?$')


class BotApiSpec:
    """The Bot API spec as data: decodes request parameters and checks JSON objects."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.methods: dict[str, JSON] = dict(data["methods"])
        self.types: dict[str, JSON] = dict(data["types"])
        self.fields = {
            name: {f["name"]: f for f in spec.get("fields", [])}
            for name, spec in itertools.chain(self.methods.items(), self.types.items())
        }
        # A subtype's discriminator, e.g. BotCommandScopeChat requires type == "chat".
        self.constants: dict[str, dict[str, str]] = {}
        for name, spec in self.types.items():
            for f in spec.get("fields", []) if "subtype_of" in spec else []:
                if f["required"] and (m := _CONSTANT.search(f["description"])):
                    self.constants.setdefault(name, {})[f["name"]] = m.group(1)

    @staticmethod
    @functools.cache
    def load(path: Path) -> BotApiSpec | None:
        """The spec at `path`, or None when the file is absent."""
        if not path.is_file():
            return None
        return BotApiSpec(json.loads(path.read_text(encoding="utf-8")))

    def returns_true(self, method: str) -> bool:
        """Whether the method answers True on success."""
        return bool(self.methods[method]["returns"] == ["Boolean"])

    def decode_params(
        self, method: str, raw: Mapping[str, str], uploads: Mapping[str, Upload]
    ) -> JSON:
        """Check a method's parameters (all strings, as Telegram sees them) and decode them."""
        fields = self.fields[method]
        attached = {v.removeprefix("attach://") for v in raw.values() if v.startswith("attach://")}
        for name in itertools.chain(raw, uploads):
            if name not in fields and name not in attached:
                raise bad_request(f'unknown parameter "{name}" of method {method}')
        for name, spec in fields.items():
            if spec["required"] and name not in raw and name not in uploads:
                raise bad_request("message text is empty" if name == "text" else f"{name} is empty")
        decoded: JSON = {name: upload for name, upload in uploads.items() if name in fields}
        for name, value in raw.items():
            if name in fields:
                decoded[name] = self.decode_param(name, value, fields[name]["types"], uploads)
        return decoded

    def decode_param(
        self, name: str, raw: str, types: list[str], uploads: Mapping[str, Upload]
    ) -> Any:
        """Decode one string parameter as the first of its spec types that fits."""
        scalar = {"Integer", "Float", "Boolean", "String", "InputFile"}
        for kind in types:
            if kind == "Integer" and re.fullmatch(r"[+-]?\d+", raw):
                return int(raw)
            if kind == "Float" and re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", raw):
                return float(raw)
            if kind == "Boolean" and raw.lower() in {"true", "false", "1", "0"}:
                return raw.lower() in {"true", "1"}
            if kind == "InputFile" and raw.removeprefix("attach://") in uploads:
                return raw
            if kind == "String":
                return raw
        objects = [kind for kind in types if kind not in scalar]
        if not objects:
            raise bad_request(f'parameter "{name}" must be of type {" or ".join(types)}')
        try:
            value = json.loads(raw)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None
        try:
            self.check(value, objects, name)
        except SpecError as err:
            raise bad_request(f"can't parse {name}: {err}") from None
        return value

    def check(self, value: Any, types: list[str], path: str) -> None:
        """Raise SpecError unless `value` (decoded JSON) is one of `types`."""
        errors: list[SpecError] = []
        for kind in sorted(types, key=lambda kind: -self.affinity(value, kind)):
            try:
                self.check_one(value, kind, path)
                return
            except SpecError as err:
                errors.append(err)
        raise errors[0]

    def affinity(self, value: Any, kind: str) -> int:
        """How many of an object's keys a type knows: picks the error worth reporting."""
        if not isinstance(value, dict) or kind not in self.types:
            return 0
        subtypes = self.types[kind].get("subtypes")
        if subtypes:
            return max(self.affinity(value, sub) for sub in subtypes)
        return sum(key in self.fields[kind] for key in value)

    def check_one(self, value: Any, kind: str, path: str) -> None:
        """Raise SpecError unless `value` is of the single type `kind`."""
        if kind.startswith("Array of "):
            if not isinstance(value, list):
                raise SpecError(f'field "{path}" must be an Array')
            for index, item in enumerate(value):
                self.check(item, [kind.removeprefix("Array of ")], f"{path}[{index}]")
            return
        scalars: dict[str, Callable[[Any], bool]] = {
            "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "Boolean": lambda v: isinstance(v, bool),
            "True": lambda v: v is True,
            "String": lambda v: isinstance(v, str),
            "InputFile": lambda v: isinstance(v, str),
        }
        if kind in scalars:
            if not scalars[kind](value):
                raise SpecError(f'field "{path}" must be of type {kind}')
        elif kind in self.types:
            self.check_object(value, kind, path)
        elif not isinstance(value, dict):
            # Without the spec's type table, an object is at least an object.
            raise SpecError(f'field "{path}" must be an object of type {kind}')

    def check_object(self, value: Any, kind: str, path: str) -> None:
        """Raise SpecError unless `value` is a JSON object of type `kind` (or a subtype)."""
        if subtypes := self.types[kind].get("subtypes"):
            matching = [
                sub
                for sub in subtypes
                if isinstance(value, dict)
                and all(value.get(k) == v for k, v in self.constants.get(sub, {}).items())
            ]
            self.check(value, matching or subtypes, path)
            return
        if not isinstance(value, dict):
            raise SpecError(f'field "{path}" must be an object of type {kind}')
        fields = self.fields[kind]
        for key in value:
            if key not in fields:
                raise SpecError(f'unknown field "{path}.{key}" in {kind}')
        for name, spec in fields.items():
            if spec["required"] and name not in value:
                raise SpecError(f'field "{path}.{name}" is required in {kind}')
        for constant, expected in self.constants.get(kind, {}).items():
            if value[constant] != expected:
                raise SpecError(f'field "{path}.{constant}" must be "{expected}" in {kind}')
        for key, item in value.items():
            self.check(item, fields[key]["types"], f"{path}.{key}")


# Decodes parameters by FALLBACK_TYPES when there is no spec: the same rules, no type details.
_NO_SPEC = BotApiSpec({"methods": {}, "types": {}})


def check_inline_keyboard(markup: Any) -> None:
    """Telegram's own rules for inline keyboard buttons, beyond the spec's types."""
    if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
        return
    passive = {"text", "icon_custom_emoji_id", "style"}
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


# --------------------------------------------------------------------------- the fake


@dataclass
class _Exchange:
    """One API call on its way through the fake."""

    method: str
    params: JSON
    at: float
    request: web.Request
    chat_id: int | None = None
    text: str | None = None  # visible text (or caption) after parsing
    entities: list[JSON] | None = None
    records: list[SentMessage] = field(default_factory=list)

    def hung_up(self) -> bool:
        """Whether the client has closed the connection (gave up waiting)."""
        transport = self.request.transport
        return transport is None or transport.is_closing()


Handler = Callable[[_Exchange], Any]


class FakeTelegram:
    """A local Bot API server: validates what the bot sends, records it, answers like Telegram."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        spec_path: Path | None = None,
        use_spec: bool = True,
        rate_limit: int | None = None,
        group_rate_limit: int | None = None,
        port: int = 0,
        delay: float = 0.0,
        error_rate: float = 0.0,
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        path = spec_path or (spec_path_from_env() if use_spec else None)
        self.spec = BotApiSpec.load(path) if path is not None else None
        self.port = port
        self.clock = clock
        # Misbehaviour knobs.
        self.rate_limit = rate_limit
        self.group_rate_limit = group_rate_limit
        self.delay = delay
        self.method_delays: dict[str, float] = {}
        self.error_rate = error_rate
        self.random = random.Random(seed)
        self.blocked: set[int] = set()
        self.kicked: set[int] = set()
        self.deactivated: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.bad_photos: bool | set[str] = False
        # Another client polls with this token: every getUpdates of ours gets 409 Conflict.
        self.foreign_poller = False
        # Test-provided world.
        self.chat_members: dict[tuple[int, int], str] = {}
        self.chats: dict[int, JSON] = {}
        self.bot_user: JSON = {
            "id": int("".join(c for c in token.split(":")[0] if c.isdigit()) or 1),
            "is_bot": True,
            "first_name": "NewsBot",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._handlers: dict[str, Handler] = {
            "getMe": lambda ex: self.bot_user,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda ex: self.commands_for(
                ex.params.get("scope"), ex.params.get("language_code", "")
            ),
            "deleteMyCommands": self._delete_my_commands,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message,
            "editMessageCaption": self._edit_message,
            "editMessageReplyMarkup": self._edit_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getChatMember": self._get_chat_member,
            "getChat": self._get_chat,
            "leaveChat": self._leave_chat,
        }
        known = self.spec.methods if self.spec else self._handlers
        self._method_names = {name.lower(): name for name in known}
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()
        # Ids only grow, even across reset(): a running bot's getUpdates offset stays valid.
        self._next_update_id = 1
        self._last_message_id: dict[int, int] = {}
        self.reset()

    def reset(self) -> None:
        """Forget everything recorded and queued; keep the knobs and the world."""
        self.sent: list[SentMessage] = []
        self.edits: list[SentMessage] = []
        self.calls: list[Call] = []
        self.rejected: list[Call] = []
        self.conflicts: list[Call] = []
        self.foreign_conflicts: list[Call] = []  # 409s the foreign_poller knob caused
        self.rejected_429 = 0
        self.callback_answers: list[JSON] = []
        self.left_chats: list[int] = []
        self.my_commands: dict[tuple[str, str], list[JSON]] = {}
        self.webhook_url = ""
        self._send_log: list[tuple[float, int]] = []  # (at, chat_id) of accepted send calls
        self._forced_retries: list[int] = []
        self._messages: dict[tuple[int, int], JSON] = {}
        self._updates: list[JSON] = []
        self._allowed_updates: frozenset[str] | None = None  # None: Telegram's default
        self._open_callbacks: set[str] = set()
        self._callback_ids = itertools.count(1)
        self._poll_generation = 0
        self._active_poll: int | None = None
        self._in_flight = 0
        self._last_activity = time.monotonic()

    # ----------------------------------------------------------------- serving

    @property
    def base_url(self) -> str:
        """PTB's base_url: the request URL is f"{base_url}{token}/{method}"."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        """Start serving on 127.0.0.1 (a random port unless one was given)."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/_fake/stats", self._handle_stats)
        app.router.add_post("/_fake/reset", self._handle_reset)
        app.router.add_post("/_fake/update", self._handle_update)
        # handler_cancellation: a client that hangs up ends its long poll, as on Telegram.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop serving and close every connection."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _handle_stats(self, request: web.Request) -> web.Response:
        """GET /_fake/stats."""
        return web.json_response(self.stats())

    async def _handle_reset(self, request: web.Request) -> web.Response:
        """POST /_fake/reset."""
        self.reset()
        return web.json_response({"ok": True})

    async def _handle_update(self, request: web.Request) -> web.Response:
        """POST /_fake/update: queue the JSON body as an update (for benchmarks)."""
        return web.json_response({"ok": True, "result": self.add_update(await request.json())})

    async def _handle_api(self, request: web.Request) -> web.Response:
        """Answer one Bot API call: validate, apply the knobs, perform, record."""
        ex = _Exchange(request.match_info["method"], {}, self.clock(), request)
        self._in_flight += 1
        self._last_activity = time.monotonic()
        try:
            try:
                if request.match_info["token"] != self.token:
                    raise ApiError(401, "Unauthorized")
                ex.method = self._method_names.get(ex.method.lower(), "")
                if not ex.method:
                    raise ApiError(404, "Not Found: method not found")
                raw, uploads = await _read_params(request)
                ex.params = dict(raw)
                ex.params = self._decode(ex.method, raw, uploads)
                result = self._perform(ex)
                if isinstance(result, Awaitable):
                    result = await result
            except ApiError as err:
                self._record(ex, err.status, err.description, rejected=not err.deliberate)
                return web.json_response(err.payload(), status=err.status)
            self._record(ex, 200)
            await self._answer_late(request, ex)
            return web.json_response({"ok": True, "result": result})
        finally:
            self._in_flight -= 1
            self._last_activity = time.monotonic()

    def _decode(self, method: str, raw: Mapping[str, str], uploads: Mapping[str, Upload]) -> JSON:
        """Parameters checked against the spec and decoded (by FALLBACK_TYPES without it)."""
        if self.spec is None:
            decoded: JSON = dict(uploads)
            for name, value in raw.items():
                types = FALLBACK_TYPES.get(name, ["String"])
                decoded[name] = _NO_SPEC.decode_param(name, value, types, uploads)
            return decoded
        return self.spec.decode_params(method, raw, uploads)

    def _record(
        self, ex: _Exchange, status: int, description: str | None = None, *, rejected: bool = False
    ) -> None:
        """Log the call; file it under conflicts, 429s or (the bot's fault) rejected."""
        call = Call(ex.method, ex.params, status, ex.at, description)
        self.calls.append(call)
        if status == 409:
            (self.conflicts if rejected else self.foreign_conflicts).append(call)
        elif status == 429:
            self.rejected_429 += 1
        elif rejected:
            self.rejected.append(call)

    async def _answer_late(self, request: web.Request, ex: _Exchange) -> None:
        """Sleep the configured delay; mark the call slow if the client hung up meanwhile."""
        delay = self.method_delays.get(ex.method, self.delay)
        if delay <= 0 or ex.method == "getUpdates":
            return
        try:
            await asyncio.sleep(delay)
        finally:
            if ex.hung_up():
                for record in ex.records:
                    record.slow = True

    def _perform(self, ex: _Exchange) -> Any:
        """Content checks, then the knobs, then the method itself (no await in between)."""
        ex.at = self.clock()  # acceptance time: the rate limits' clock
        self._check_content(ex)
        if "chat_id" in ex.params:
            ex.chat_id = self._resolve_chat(ex.params["chat_id"])
            self._check_chat(ex.chat_id)
        if ex.method in SEND_METHODS and ex.chat_id is not None:
            self._check_send(ex.chat_id)
        handler = self._handlers.get(ex.method)
        if handler is not None:
            return handler(ex)
        if self.spec is not None and self.spec.returns_true(ex.method):
            return True
        raise bad_request("method not supported by the fake")

    def _check_content(self, ex: _Exchange) -> None:
        """Parse text/caption per parse_mode, check their lengths and the inline keyboard."""
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

    def _resolve_chat(self, chat_id: int | str) -> int:
        """A chat id from an integer or an @username the fake knows."""
        if isinstance(chat_id, int):
            return chat_id
        for known in self.chats.values():
            if chat_id.startswith("@") and known.get("username") == chat_id[1:]:
                return int(known["id"])
        raise bad_request("chat not found")

    def _check_chat(self, chat_id: int) -> None:
        """Answer as Telegram does for migrated groups, blocks, kicks and deactivated users."""
        if chat_id in self.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                parameters={"migrate_to_chat_id": self.migrated[chat_id]},
                deliberate=True,
            )
        kind = self.chat(chat_id)["type"]
        if chat_id in self.kicked:
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat", deliberate=True)
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user", deliberate=True)
        if chat_id in self.deactivated:
            raise ApiError(403, "Forbidden: user is deactivated", deliberate=True)
        if chat_id in self.left_chats:
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")

    def _check_send(self, chat_id: int) -> None:
        """Forced retries, the bot-wide and per-group rate limits, random 502s."""
        now = self.clock()
        if self._forced_retries:
            raise _too_many_requests(self._forced_retries.pop(0))
        if self.rate_limit is not None:
            recent = [at for at, _ in self._send_log if at > now - 1.0]
            if len(recent) >= self.rate_limit:
                raise _too_many_requests(recent[-self.rate_limit] + 1.0 - now)
        if self.group_rate_limit is not None and chat_id < 0:
            recent = [at for at, chat in self._send_log if chat == chat_id and at > now - 60.0]
            if len(recent) >= self.group_rate_limit:
                raise _too_many_requests(recent[-self.group_rate_limit] + 60.0 - now)
        if self.error_rate and self.random.random() < self.error_rate:
            raise ApiError(502, "Bad Gateway", deliberate=True)

    # ----------------------------------------------------------------- methods

    def _delete_webhook(self, ex: _Exchange) -> bool:
        """deleteWebhook, dropping the queue when asked to."""
        self.webhook_url = ""
        if ex.params.get("drop_pending_updates") in (True, "true"):
            self._updates.clear()
        return True

    def _set_webhook(self, ex: _Exchange) -> bool:
        self.webhook_url = str(ex.params["url"])
        return True

    def _get_webhook_info(self, ex: _Exchange) -> JSON:
        info: JSON = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        return info

    def _set_my_commands(self, ex: _Exchange) -> bool:
        """setMyCommands with Telegram's rules for command names and descriptions."""
        commands = ex.params["commands"]
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command"))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (_scope_key(ex.params.get("scope")), ex.params.get("language_code", ""))
        self.my_commands[key] = commands
        return True

    def _delete_my_commands(self, ex: _Exchange) -> bool:
        key = (_scope_key(ex.params.get("scope")), ex.params.get("language_code", ""))
        self.my_commands.pop(key, None)
        return True

    async def _get_updates(self, ex: _Exchange) -> list[JSON]:
        """Long polling; a newer getUpdates terminates the one in flight with 409."""
        if self.foreign_poller:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
                deliberate=True,
            )
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        params = ex.params
        if "allowed_updates" in params:
            self._allowed_updates = frozenset(params["allowed_updates"]) or None
        self._confirm(int(params.get("offset", 0)))
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        deadline = asyncio.get_running_loop().time() + max(0, int(params.get("timeout", 0)))
        if self._active_poll is not None:
            self._notify()
        self._poll_generation += 1
        generation = self._active_poll = self._poll_generation
        try:
            while True:
                if self._poll_generation != generation:
                    if ex.hung_up():
                        return []  # a poll its client abandoned: nobody left to tell
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                self._updates = [u for u in self._updates if self._allowed(u)]
                remaining = deadline - asyncio.get_running_loop().time()
                if self._updates or remaining <= 0:
                    return [json.loads(json.dumps(u)) for u in self._updates[:limit]]
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)
        finally:
            if self._active_poll == generation:
                self._active_poll = None

    def _allowed(self, update: JSON) -> bool:
        """Whether getUpdates' allowed_updates lets this update through."""
        kind = next((key for key in update if key != "update_id"), "")
        if self._allowed_updates is None:
            return kind not in NOT_ALLOWED_BY_DEFAULT
        return kind in self._allowed_updates

    def _confirm(self, offset: int) -> None:
        """Forget updates confirmed by getUpdates' offset (a negative one keeps the last -n)."""
        if offset < 0:
            self._updates = self._updates[offset:]
        elif offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def _notify(self) -> None:
        """Wake every long poll."""
        self._changed.set()
        self._changed = asyncio.Event()

    def _send_message(self, ex: _Exchange) -> JSON:
        """sendMessage: a text Message with the entities parsed from the text."""
        message = self._new_message(ex)
        message["text"] = ex.text
        if ex.entities:
            message["entities"] = ex.entities
        return self._accept_send(ex, message, text=ex.params["text"], photo=None)

    def _send_photo(self, ex: _Exchange) -> JSON:
        """sendPhoto by URL, file_id or upload: a Message with three PhotoSizes."""
        photo = ex.params["photo"]
        bad = self.bad_photos
        if isinstance(photo, str) and (bad is True or (isinstance(bad, set) and photo in bad)):
            raise ApiError(400, "Bad Request: wrong type of the web page content", deliberate=True)
        file_key = photo if isinstance(photo, str) else f"upload-{len(self.sent)}"
        file_id = "AgAC" + hashlib.sha1(file_key.encode()).hexdigest()[:24]
        message = self._new_message(ex)
        message["photo"] = [
            {
                "file_id": f"{file_id}{size}",
                "file_unique_id": f"AQAD{size}{file_id[-8:]}",
                "width": size,
                "height": size * 3 // 4,
                "file_size": size * 100,
            }
            for size in (90, 320, 800)
        ]
        if ex.text:
            message["caption"] = ex.text
            if ex.entities:
                message["caption_entities"] = ex.entities
        photo_ref = photo if isinstance(photo, str) else None
        return self._accept_send(ex, message, text=ex.params.get("caption"), photo=photo_ref)

    def _new_message(self, ex: _Exchange) -> JSON:
        """A Message from the bot in ex's chat with the next message_id."""
        assert ex.chat_id is not None
        chat = self.chat(ex.chat_id)
        message_id = self._last_message_id.get(ex.chat_id, 0) + 1
        self._last_message_id[ex.chat_id] = message_id
        message: JSON = {"message_id": message_id, "date": int(time.time()), "chat": chat}
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        else:
            message["from"] = self.bot_user
        markup = ex.params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def _accept_send(
        self, ex: _Exchange, message: JSON, *, text: str | None, photo: str | None
    ) -> JSON:
        """Store and record an accepted message; counts towards the rate limits."""
        assert ex.chat_id is not None
        self._messages[ex.chat_id, message["message_id"]] = message
        self._send_log.append((ex.at, ex.chat_id))
        record = self._sent_record(ex, message["message_id"], text, photo)
        self.sent.append(record)
        return message

    def _sent_record(
        self, ex: _Exchange, message_id: int, text: str | None, photo: str | None
    ) -> SentMessage:
        """A SentMessage for this call, remembered on the exchange (to mark it slow later)."""
        markup = ex.params.get("reply_markup")
        record = SentMessage(
            method=ex.method,
            chat_id=ex.chat_id or 0,
            message_id=message_id,
            text=text,
            parse_mode=ex.params.get("parse_mode"),
            photo=photo,
            reply_markup=markup if isinstance(markup, dict) else None,
            params=ex.params,
            at=ex.at,
        )
        ex.records.append(record)
        return record

    def _edit_message(self, ex: _Exchange) -> JSON | bool:
        """editMessageText / Caption / ReplyMarkup, refusing what Telegram refuses."""
        params = ex.params
        if "inline_message_id" in params:
            self.edits.append(
                self._sent_record(ex, 0, params.get("text", params.get("caption")), None)
            )
            return True
        if ex.chat_id is None or "message_id" not in params:
            raise bad_request("message identifier is not specified")
        old = self._messages.get((ex.chat_id, int(params["message_id"])))
        if old is None:
            raise bad_request("message to edit not found")
        new = {key: value for key, value in old.items() if key not in {"reply_markup", "edit_date"}}
        if isinstance(params.get("reply_markup"), dict):
            new["reply_markup"] = params["reply_markup"]
        if ex.method == "editMessageText":
            if "text" not in old:
                raise bad_request("there is no text in the message to edit")
            new.pop("entities", None)
            new["text"] = ex.text
            if ex.entities:
                new["entities"] = ex.entities
        elif ex.method == "editMessageCaption":
            if "photo" not in old:
                raise bad_request("there is no caption in the message to edit")
            new.pop("caption", None)
            new.pop("caption_entities", None)
            if ex.text:
                new["caption"] = ex.text
                if ex.entities:
                    new["caption_entities"] = ex.entities
        if {k: v for k, v in old.items() if k != "edit_date"} == new:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        new["edit_date"] = int(time.time())
        self._messages[ex.chat_id, new["message_id"]] = new
        text = params.get("text", params.get("caption"))
        self.edits.append(self._sent_record(ex, new["message_id"], text, None))
        return new

    def _answer_callback_query(self, ex: _Exchange) -> bool:
        """answerCallbackQuery: once per query the fake created."""
        query_id = str(ex.params["callback_query_id"])
        if query_id not in self._open_callbacks:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if utf16_len(str(ex.params.get("text", ""))) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        self._open_callbacks.discard(query_id)
        self.callback_answers.append(ex.params)
        return True

    def _get_chat_member(self, ex: _Exchange) -> JSON:
        """getChatMember: the status from chat_members, "member" by default."""
        assert ex.chat_id is not None
        user_id = int(ex.params["user_id"])
        status = self.chat_members.get((ex.chat_id, user_id), "member")
        user = self.bot_user if user_id == self.bot_user["id"] else _user(user_id)
        return _chat_member(status, user)

    def _get_chat(self, ex: _Exchange) -> JSON:
        """getChat: a ChatFullInfo with the fields PTB requires."""
        assert ex.chat_id is not None
        return {
            **self.chat(ex.chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(_GIFT_TYPES, False),
        }

    def _leave_chat(self, ex: _Exchange) -> bool:
        assert ex.chat_id is not None
        self.left_chats.append(ex.chat_id)
        return True

    # ----------------------------------------------------------------- the tests' API

    @property
    def polling(self) -> bool:
        """Whether a getUpdates call is waiting for updates right now."""
        return self._active_poll is not None

    def chat(self, chat_id: int) -> JSON:
        """The Chat object for an id: the one an update introduced, or one made up from the id."""
        if chat_id in self.chats:
            return self.chats[chat_id]
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"
        return {"id": chat_id, "type": kind, "title": f"Chat {chat_id}"}

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """The current state of a message the bot sent (after edits)."""
        return self._messages.get((chat_id, message_id))

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """Accepted sendMessage/sendPhoto calls to one chat, oldest first."""
        return [sent for sent in self.sent if sent.chat_id == chat_id]

    def commands_for(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The commands setMyCommands recorded for a scope (None: the default scope)."""
        return self.my_commands.get((_scope_key(scope), language_code), [])

    def add_update(self, update: JSON) -> JSON:
        """Queue an update for getUpdates; assigns (overwrites) its update_id."""
        update = {**update, "update_id": self._next_update_id}
        self._next_update_id += 1
        self._updates.append(update)
        self._notify()
        return update

    def command(
        self,
        text: str,
        *,
        chat_id: int,
        user_id: int | None = None,
        chat_type: str | None = None,
        title: str | None = None,
        sender_chat: JSON | None = None,
        enqueue: bool = True,
    ) -> JSON:
        """A message starting with /cmd or /cmd@bot (with its bot_command entity), queued."""
        match = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,})?", text)
        if match is None:
            raise ValueError(f"not a command: {text!r}")
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}
        return self.text_message(
            text,
            chat_id=chat_id,
            user_id=user_id,
            chat_type=chat_type,
            title=title,
            sender_chat=sender_chat,
            entities=[entity],
            enqueue=enqueue,
        )

    def text_message(
        self,
        text: str,
        *,
        chat_id: int,
        user_id: int | None = None,
        chat_type: str | None = None,
        title: str | None = None,
        sender_chat: JSON | None = None,
        entities: list[JSON] | None = None,
        enqueue: bool = True,
    ) -> JSON:
        """A text message from a user (or channel/anonymous admin) to the bot, queued."""
        message = self._incoming(chat_id, user_id, chat_type, title, sender_chat)
        message["text"] = text
        if entities:
            message["entities"] = entities
        kind = "channel_post" if message["chat"]["type"] == "channel" else "message"
        return self._enqueue({kind: message}, enqueue)

    def press_button(
        self,
        message: SentMessage,
        data: str,
        *,
        user_id: int,
        enqueue: bool = True,
        forged: bool = False,
    ) -> JSON:
        """A callback_query update: a user pressed one of the message's current buttons.

        forged: any data, as a modified client can send for a message that has buttons.
        """
        chat_id = message.chat_id
        current = self._messages.get((chat_id, message.message_id))
        if current is None:
            raise ValueError(f"the bot sent no message {message.message_id} to {chat_id}")
        buttons = [
            button.get("callback_data")
            for row in current.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
        ]
        if data not in buttons and not forged:
            raise ValueError(f"message has no button with callback_data {data!r}: {buttons}")
        query_id = str(next(self._callback_ids) + 10**15)
        self._open_callbacks.add(query_id)
        query = {
            "id": query_id,
            "from": _user(user_id),
            "message": current,
            "chat_instance": str(abs(chat_id) * 7919 % 10**12),
            "data": data,
        }
        return self._enqueue({"callback_query": query}, enqueue)

    def migrate(
        self, old_chat_id: int, new_chat_id: int, *, user_id: int = GROUP_USER_ID
    ) -> list[JSON]:
        """Upgrade a group: both service messages Telegram sends; sends to the old id fail."""
        title = self.chat(old_chat_id).get("title", f"Chat {old_chat_id}")
        self.chats[new_chat_id] = {"id": new_chat_id, "type": "supergroup", "title": title}
        old = self._incoming(old_chat_id, user_id, "group", title, None)
        old["migrate_to_chat_id"] = new_chat_id
        new = self._incoming(new_chat_id, user_id, "supergroup", title, None)
        new["migrate_from_chat_id"] = old_chat_id
        self.migrated[old_chat_id] = new_chat_id
        return [self.add_update({"message": old}), self.add_update({"message": new})]

    def my_chat_member(
        self,
        chat_id: int,
        status: str,
        *,
        old_status: str | None = None,
        user_id: int | None = None,
        chat_type: str | None = None,
        title: str | None = None,
        enqueue: bool = True,
    ) -> JSON:
        """The bot was added, promoted, kicked or blocked; updates the knobs accordingly."""
        incoming = self._incoming(chat_id, user_id, chat_type, title, None)
        if old_status is None:
            old_status = "member" if status in {"kicked", "left"} else "left"
        update = {
            "my_chat_member": {
                "chat": incoming["chat"],
                "from": incoming["from"],
                "date": incoming["date"],
                "old_chat_member": _chat_member(old_status, self.bot_user),
                "new_chat_member": _chat_member(status, self.bot_user),
            }
        }
        knob = self.blocked if chat_id > 0 else self.kicked
        if status == "kicked":
            knob.add(chat_id)
        elif status in {"member", "administrator", "creator"}:
            knob.discard(chat_id)
            self.left_chats = [chat for chat in self.left_chats if chat != chat_id]
        return self._enqueue(update, enqueue)

    def force_retry_after(self, seconds: float, count: int = 1) -> None:
        """The next `count` send calls answer 429 with this retry_after."""
        self._forced_retries.extend([max(1, math.ceil(seconds))] * count)

    def max_sends_in_window(self, window: float = 1.0) -> int:
        """Most accepted send calls within any sliding window of `window` seconds."""
        return _max_in_window([at for at, _ in self._send_log], window)

    def max_group_sends_in_window(self, chat_id: int, window: float = 60.0) -> int:
        """Most accepted send calls to one chat within any sliding window."""
        return _max_in_window([at for at, chat in self._send_log if chat == chat_id], window)

    def stats(self) -> JSON:
        """Counters for benchmarks (GET /_fake/stats)."""
        by_status = Counter(call.status for call in self.calls)
        return {
            "sent": len(self.sent),
            "rejected_429": self.rejected_429,
            "max_per_second": self.max_sends_in_window(1.0),
            "by_status": {str(code): n for code, n in sorted(by_status.items())},
            "rejected": len(self.rejected),
        }

    async def wait_for(
        self,
        predicate: Callable[[], object],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        what: str | None = None,
    ) -> None:
        """Poll every 10 ms until predicate() is true; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what or predicate!r}\n"
                    + self.describe()
                )
            await asyncio.sleep(0.01)

    async def wait_idle(self, quiet: float = 0.05, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot took every update and made no call for `quiet` seconds."""

        def idle() -> bool:
            return (
                not self._updates
                and self._in_flight == int(self.polling)
                and time.monotonic() - self._last_activity >= quiet
            )

        await self.wait_for(idle, timeout, what="the bot to go idle")

    def describe(self) -> str:
        """Recent calls and rejections, for assertion messages."""
        lines = [f"pending updates: {len(self._updates)}; last calls:"]
        lines += [f"  {c.method} -> {c.status} {c.description or ''}" for c in self.calls[-10:]]
        lines += [f"rejected: {c.method}: {c.description}" for c in self.rejected]
        return "\n".join(lines)

    def _incoming(
        self,
        chat_id: int,
        user_id: int | None,
        chat_type: str | None,
        title: str | None,
        sender_chat: JSON | None,
    ) -> JSON:
        """A message skeleton from a user in a chat; remembers the chat."""
        chat = dict(self.chat(chat_id))
        if chat_type is not None and chat_type != chat["type"]:
            chat = {"id": chat_id, "type": chat_type}
        if chat["type"] == "private":
            chat.pop("title", None)
            chat.setdefault("first_name", f"User {chat_id}")
        else:
            chat.pop("first_name", None)
            chat["title"] = title or chat.get("title") or f"Chat {chat_id}"
        self.chats[chat_id] = chat
        if user_id is None:
            user_id = chat_id if chat["type"] == "private" else GROUP_USER_ID
        message: JSON = {
            "message_id": self._last_message_id.get(chat_id, 0) + 1,
            "date": int(time.time()),
            "chat": chat,
        }
        self._last_message_id[chat_id] = message["message_id"]
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        elif sender_chat is not None:
            message["sender_chat"] = sender_chat
            message["from"] = ANONYMOUS_ADMIN if sender_chat["id"] == chat_id else CHANNEL_BOT
        else:
            message["from"] = _user(user_id)
        return message

    def _enqueue(self, update: JSON, enqueue: bool) -> JSON:
        """Queue the update unless the test only wants to build it."""
        return self.add_update(update) if enqueue else update


# --------------------------------------------------------------------------- helpers


async def _read_params(request: web.Request) -> tuple[dict[str, str], dict[str, Upload]]:
    """Parameters as Telegram sees them: strings from the query, form, multipart or JSON body."""
    raw: dict[str, str] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        raw.update(
            {
                k: v if isinstance(v, str) else json.dumps(v)
                for k, v in body.items()
                if v is not None
            }
        )
    elif request.content_type == "multipart/form-data":
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                uploads[part.name] = Upload(part.filename, len(await part.read()))
            else:
                raw[part.name] = await part.text()
    elif request.can_read_body:
        raw.update({k: str(v) for k, v in (await request.post()).items()})
    return raw, uploads


def _too_many_requests(retry_after: float) -> ApiError:
    """A 429 with whole seconds, at least 1 (PTB ignores a retry_after of 0)."""
    seconds = max(1, math.ceil(retry_after))
    return ApiError(
        429,
        f"Too Many Requests: retry after {seconds}",
        parameters={"retry_after": seconds},
        deliberate=True,
    )


def _max_in_window(times: list[float], window: float) -> int:
    """Most timestamps within any half-open window (t - window, t]."""
    times = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - window:
            start += 1
        best = max(best, end - start + 1)
    return best


def _scope_key(scope: JSON | None) -> str:
    """'default', 'all_private_chats', 'chat:<id>', 'chat_member:<chat>:<user>', ..."""
    if not scope:
        return "default"
    parts = [scope["type"]] + [str(scope[k]) for k in ("chat_id", "user_id") if k in scope]
    return ":".join(parts)


def _user(user_id: int) -> JSON:
    """A human User object."""
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": f"User {user_id}",
        "username": f"user{user_id}",
        "language_code": "en",
    }


_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
)
_RESTRICTED_RIGHTS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)
_GIFT_TYPES = (
    "unlimited_gifts",
    "limited_gifts",
    "unique_gifts",
    "premium_subscription",
    "gifts_from_channels",
)


def _chat_member(status: str, user: JSON) -> JSON:
    """A ChatMember object with every field PTB requires for its status."""
    member: JSON = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            {"can_be_edited": False, "is_anonymous": False}, **dict.fromkeys(_ADMIN_RIGHTS, True)
        )
    elif status == "restricted":
        member.update(
            {"is_member": True, "until_date": 0}, **dict.fromkeys(_RESTRICTED_RIGHTS, False)
        )
    elif status == "kicked":
        member["until_date"] = 0
    elif status not in {"member", "left"}:
        raise ValueError(f"unknown chat member status {status!r}")
    return member


# --------------------------------------------------------------------------- command line


async def _serve(args: argparse.Namespace) -> None:
    """Serve until SIGTERM or SIGINT."""
    fake = FakeTelegram(
        token=args.token,
        port=args.port,
        rate_limit=args.rate_limit,
        group_rate_limit=args.group_rate_limit,
        delay=args.delay,
        error_rate=args.error_rate,
        seed=args.seed,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with fake:
        print(f"fake Telegram listening on {fake.base_url}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """`python -m tests.fake_telegram --port P [--rate-limit 30] [--delay 0.0]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--rate-limit", type=int, default=None, help="send calls per second")
    parser.add_argument(
        "--group-rate-limit", type=int, default=None, help="send calls per minute per group"
    )
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--error-rate", type=float, default=0.0, help="fraction of 502s")
    parser.add_argument("--seed", type=int, default=0)
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
