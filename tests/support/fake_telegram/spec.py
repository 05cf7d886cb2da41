"""The Bot API spec as data (../shared/telegram/bot-api.json), and typing without it.

Calls are checked against the spec: ../shared/telegram/bot-api.json beside the project, or the
file $NEWSBOT_BOT_API_SPEC names (``none``: no spec, parameters decoded by FALLBACK_TYPES).
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tests.support.fake_telegram.records import JSON, Upload, bad_request

# parents[3] is the project root (tests/support/fake_telegram/spec.py); ../shared sits beside it.
DEFAULT_SPEC_PATH = (
    Path(__file__).resolve().parents[3].parent / "shared" / "telegram" / "bot-api.json"
)
# A path to the spec, or "none" to run without it (CI proves a fresh clone passes that way).
SPEC_ENV = "NEWSBOT_BOT_API_SPEC"
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
    "media": ["InputMedia"],
    "reply_markup": ["InlineKeyboardMarkup"],
    "reply_parameters": ["ReplyParameters"],
    "rich_message": ["InputRichMessage"],
    "scope": ["BotCommandScope"],
    "suggested_post_parameters": ["SuggestedPostParameters"],
}  # fmt: skip


# Parameters Telegram ignores that PTB sends anyway: with Defaults(parse_mode=...), every
# edit_message_media call carries a top-level parse_mode (the media has its own).
IGNORED_PARAMS = frozenset({("editMessageMedia", "parse_mode")})


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
            if (method, name) in IGNORED_PARAMS:
                continue
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


def decode_without_spec(raw: Mapping[str, str], uploads: Mapping[str, Upload]) -> JSON:
    """Parameters decoded by FALLBACK_TYPES (String when absent), as when there is no spec."""
    decoded: JSON = dict(uploads)
    for name, value in raw.items():
        types = FALLBACK_TYPES.get(name, ["String"])
        decoded[name] = _NO_SPEC.decode_param(name, value, types, uploads)
    return decoded
