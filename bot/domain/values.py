"""YAML values as clean text, and short descriptions of values and errors for messages."""

from __future__ import annotations

import functools
import re

import ftfy

SCALARS = (str, int, float)
_WHITESPACE = re.compile(r"\s+")
# No quote folding: the seed's "Hereâ€™s" must come back as "Here’s", not "Here's";
# no width folding: full-width CJK punctuation is meant.
_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, explain=False)


# Text ftfy has nothing to repair in: printable ASCII without "&" (no HTML entity), tabs and
# line breaks. Mojibake, control characters and entities all fall outside it.
_NOTHING_TO_FIX = re.compile(r"[\t\n\r\x20-\x25\x27-\x7e]*")


@functools.lru_cache(maxsize=4096)
def clean(text: str) -> str:
    """Repair mojibake and collapse whitespace.

    Memoized (topics and authors repeat across thousands of posts) and ftfy skipped where it
    could change nothing: the cold scan of a big site spent a third of its time in ftfy.
    """
    fixed = text if _NOTHING_TO_FIX.fullmatch(text) else ftfy.fix_text(text, _FTFY)
    if fixed.isprintable() and "  " not in fixed and fixed[:1] != " " and fixed[-1:] != " ":
        return fixed  # its only whitespace is single spaces inside: nothing to collapse
    return _WHITESPACE.sub(" ", fixed).strip()


def scrub(text: str) -> str:
    """text with surrogate pairs joined and lone surrogates replaced by U+FFFD."""
    # YAML's "\ud800" escapes and undecodable file names (surrogateescape) produce
    # lone surrogates, which no UTF-8 encoder (URL quoting, Telegram) accepts.
    if text.isascii():
        return text  # no surrogates: the common case, without the round trip
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def scalar_text(value: object) -> str:
    """A YAML scalar as stripped text; "" for None, lists and mappings."""
    # bool is an int, so YAML's yes/no arrive here as True/False: Jekyll prints "true".
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, SCALARS):
        return scrub(str(value)).strip()
    return ""


def first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return clip(lines[0], 200) if lines else type(error).__name__


def kind_of(value: object) -> str:
    """What a YAML value is, for error messages."""
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def clip(text: str, limit: int = 80) -> str:
    """text, cut for quoting in an error message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
