"""Excerpts that Markdown and Liquid leave as they are, found without markdown-it.

Most posts open with a paragraph of plain prose, and rendering the whole body with
markdown-it to find it was a fifth of a cold scan's parsing. A paragraph whose every
character means nothing to CommonMark (with tables and strikethrough), Liquid or Kramdown
reads the same either way: its lines joined by spaces. Anything else gives None and is left
to markdown-it (tests/test_plain_text.py holds the two together).
"""

from __future__ import annotations

import re

# The excerpt comes from the top of the body; markdown-it is slow on pathological input
# ("[" * 10**6 takes seconds), so only this much of a body (or a given excerpt) is rendered.
SOURCE_CHARS = 50_000

# A character that is text wherever it stands in a line: no whitespace but the space, no
# control character, none of the characters inline Markdown, Liquid ("{%", "{{"), Kramdown
# ("{:") or HTML ("<", "&") give meaning to.
_CHAR = r"[^\s\x00-\x1f\x7f-\x9f\\`*_{}\[\]<>&~|]"
# A line of them, without leading or trailing spaces (which the Markdown reader drops).
_LINE = re.compile(rf"{_CHAR}+(?: +{_CHAR}+)*")
# Lines beginning so may start a block other than a paragraph: a heading, a list item, a
# thematic break, a setext heading's underline ("==="), an ordered list item ("1." "2)").
_NOT_PROSE_START = re.compile(r"[#+=-]|[0-9]+[.)]")


def plain_lines(text: str) -> str | None:
    """text's lines joined by spaces, as markdown-it reads them inline; None if any holds markup."""
    if len(text) > SOURCE_CHARS:
        return None
    lines = text.split("\n")
    if all(_LINE.fullmatch(line) for line in lines):
        return " ".join(lines)
    return None


def plain_first_paragraph(body: str) -> str | None:
    """The text of the first paragraph when the lines up to the first blank one are prose.

    None when any of them holds markup or begins like another block: markdown-it decides.
    """
    end = body.find("\n\n")
    block = body if end == -1 else body[:end]
    # The paragraph and the blank line after it must lie within what markdown-it reads.
    if (len(block) if end == -1 else end + 2) > SOURCE_CHARS:
        return None
    lines = block.split("\n")
    for line in lines:
        if not _LINE.fullmatch(line) or _NOT_PROSE_START.match(line):
            return None
    return " ".join(lines)
