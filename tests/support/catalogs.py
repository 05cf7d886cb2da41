"""The gettext catalogs as Babel reads them, and the strings the code marks for them."""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from bot.domain.i18n import DOMAIN, LOCALES

# What `pybabel extract` is told in README ("Languages"): these markers, in every module of bot/.
KEYWORDS: dict[str, tuple[int, ...] | None] = {"_": None, "N_": None, "ngettext": (1, 2)}
SOURCES = LOCALES.parent


@dataclass(frozen=True)
class Marked:
    """A string the code marks for translation, and where."""

    msgid: str
    plural: str | None
    where: str


def marked_strings() -> list[Marked]:
    """Every string in bot/ inside _(), N_() or ngettext(), as pybabel extract finds them."""
    found = []
    for filename, lineno, message, _comments, _context in extract_from_dir(
        SOURCES, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        where = f"bot/{filename}:{lineno}"
        if isinstance(message, tuple):
            singular, plural = message[0], message[1]
            assert singular and plural, f"{where}: ngettext needs two literal strings"
            found.append(Marked(singular, plural, where))
        else:
            assert message, f"{where}: a marker around something other than a literal string"
            found.append(Marked(message, None, where))
    return found


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language: str) -> Catalog:
    """The language's .po file."""
    with po_path(language).open("rb") as file:
        return read_po(file, locale=language)


def read_compiled(language: str) -> Catalog:
    """The language's compiled .mo file, the one the bot reads."""
    with po_path(language).with_suffix(".mo").open("rb") as file:
        return read_mo(file)


def fields(text: str) -> set[str]:
    """The names of the str.format fields in `text` (ValueError if its braces are broken)."""
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name}
