"""Telegram's HTML parse mode: visible text and entities, or the Bot API's "can't parse" error."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.support.fake_telegram.records import JSON, ApiError, bad_request

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
