"""A post's excerpt: the front matter's, or the first paragraph of its body as plain text."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from html.parser import HTMLParser
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.domain.posts.plain_text import SOURCE_CHARS, plain_first_paragraph, plain_lines
from bot.domain.values import clean, scalar_text

_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# Liquid blocks whose content is not prose: drop them whole, not just their tags.
_LIQUID_BLOCK_START = re.compile(r"\{%-?[ \t]*(comment|highlight)\b")
_LIQUID_BLOCK_END = {
    kind: re.compile(r"\{%-?\s*end" + kind + r"\s*-?%\}") for kind in ("comment", "highlight")
}
# Markup that is not text but that CommonMark would show as such: Kramdown attribute
# lists ("{: .lead}", "{:toc}") and MS Word's conditional comments in pasted HTML.
# The character classes stop at the next "{" / "<" so that unclosed ones stay linear.
_NOT_TEXT = re.compile(r"\{:[^{}\n]*\}|<!\[(?:end)?if\b[^<\]\n]*\]>", re.IGNORECASE)


def excerpt(meta: Mapping[Any, Any], body: str) -> str:
    for key in ("excerpt", "description"):
        given = scalar_text(meta.get(key))
        if given:
            plain = plain_lines(given)
            return clean(plain if plain is not None else _given_text(given))
    separator = meta.get("excerpt_separator")
    if isinstance(separator, str) and separator and separator in body:
        head = body.split(separator, 1)[0]
        text = " ".join(text for _, text in _paragraphs(head))
        if text:
            return clean(text)
    plain = plain_first_paragraph(body)
    return clean(plain if plain is not None else _first_paragraph(body))


def _given_text(given: str) -> str:
    """The text of an excerpt given in the front matter, Markdown and Liquid removed."""
    return _inline_markdown_text(_strip_liquid(given)[:SOURCE_CHARS])


def _first_paragraph(body: str) -> str:
    """The text of the body's first paragraph, preferring one outside lists and quotes."""
    paragraphs = list(_paragraphs(body))
    for level, text in paragraphs:
        if level == 0:
            return text
    return paragraphs[0][1] if paragraphs else ""


def _strip_liquid(text: str) -> str:
    """text without Liquid tags and output; comment and highlight blocks go whole."""
    # Scanning by hand: a regex such as r"\{%.*?%\}" is quadratic on unclosed tags.
    parts: list[str] = []
    kept_from = search_from = 0
    unclosed: set[str] = set()
    while (start := _LIQUID_BLOCK_START.search(text, search_from)) is not None:
        search_from = start.end()
        kind = start[1]
        end = None if kind in unclosed else _LIQUID_BLOCK_END[kind].search(text, search_from)
        if end is None:
            unclosed.add(kind)  # No later block of this kind can be closed either.
            continue
        parts.append(text[kept_from : start.start()])
        kept_from = search_from = end.end()
    parts.append(text[kept_from:])
    return _drop_between(_drop_between("".join(parts), "{%", "%}"), "{{", "}}")


def _drop_between(text: str, opening: str, closing: str) -> str:
    """text without each opening...closing span; an unclosed opening stays."""
    parts: list[str] = []
    kept_from = 0
    while (start := text.find(opening, kept_from)) != -1:
        end = text.find(closing, start + len(opening))
        if end == -1:
            break
        parts.append(text[kept_from:start])
        kept_from = end + len(closing)
    parts.append(text[kept_from:])
    return "".join(parts)


def _paragraphs(markdown: str) -> Iterator[tuple[int, str]]:
    """(nesting level, plain text) of each paragraph with text, in order."""
    source = _NOT_TEXT.sub("", _strip_liquid(markdown)[:SOURCE_CHARS])
    tokens = _MARKDOWN.parse(source)
    for index, token in enumerate(tokens):
        texts: list[str] = []
        if token.type == "paragraph_open" and index + 1 < len(tokens):
            texts = [_inline_text(tokens[index + 1].children or [])]
        elif token.type == "html_block":
            texts = _html_paragraphs(token.content)
        for text in texts:
            if text.strip():
                yield token.level, text


def _inline_markdown_text(markdown: str) -> str:
    return "".join(_inline_text(token.children or []) for token in _MARKDOWN.parseInline(markdown))


def _inline_text(children: list[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "text_special", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak") or _is_br(child):
            parts.append(" ")
        # Images, raw HTML and emphasis/link markers carry no readable text of their own.
    return "".join(parts)


def _is_br(token: Token) -> bool:
    return token.type == "html_inline" and token.content[:3].lower() == "<br"


class _ParagraphText(HTMLParser):
    """Collects the text of each <p> element in an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] | None = None
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        elif tag == "p":
            self._finish()
            self._current = []
        elif tag == "br" and self._current is not None:
            self._current.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skipping = max(0, self._skipping - 1)
        elif tag == "p":
            self._finish()

    def handle_data(self, data: str) -> None:
        if self._current is not None and not self._skipping:
            self._current.append(data)

    def _finish(self) -> None:
        if self._current is not None:
            self.paragraphs.append("".join(self._current))
        self._current = None

    def close(self) -> None:
        super().close()
        self._finish()


def _html_paragraphs(html: str) -> list[str]:
    parser = _ParagraphText()
    parser.feed(html)
    parser.close()
    return parser.paragraphs
