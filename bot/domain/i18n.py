"""The bot's words in the reader's language: gettext, with the language chosen per update.

Every text the bot itself writes (replies, buttons, labels, digests; never a post's own text) is
written in English inside `_()` (or `ngettext()` for a count), and looked up in the chat's
language when it is built. The language is a context variable: the handler of an update, or the
sender of a row, sets it with `use_language(code)` for the chat it works for, so a text built
anywhere below comes out in that chat's language. `N_()` marks a constant for extraction without
translating it at import time; translate it where it is used, with `_()`.

The translations are gettext catalogs in `bot/locales/<code>/LC_MESSAGES/newsbot.po`, compiled
to `.mo` files that ship with the package (README, "Languages"); the plural rule of each language
(Russian has three forms) comes from its catalog's Plural-Forms header.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

DEFAULT_LANGUAGE = "en"
# The languages the bot speaks, each named in itself (as the /language buttons show them).
LANGUAGES = {"en": "English", "ru": "Русский", "de": "Deutsch"}
DOMAIN = "newsbot"
LOCALES = Path(__file__).resolve().parent.parent / "locales"

_language: ContextVar[str] = ContextVar("newsbot_language", default=DEFAULT_LANGUAGE)


def supported(code: str | None) -> str | None:
    """The language of ours that an IETF tag names ("de-AT" -> "de"); None for any other."""
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def current_language() -> str:
    """The language texts are built in here and now."""
    return _language.get()


@contextmanager
def use_language(code: str | None) -> Iterator[None]:
    """Build texts in `code` (a language we do not have means English) inside the block."""
    token = _language.set(supported(code) or DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


@functools.cache
def translations(code: str) -> gettext.NullTranslations:
    """The compiled catalog of one of our languages (English is the source: no catalog).

    A catalog missing from the package is an error, not a silent fall back to English.
    """
    if code == DEFAULT_LANGUAGE or code not in LANGUAGES:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALES, languages=[code])


def _(message: str) -> str:
    """`message` in the current language."""
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a counted text for `count` in the current language (format it afterwards)."""
    return translations(_language.get()).ngettext(singular, plural, count)


def N_(message: str) -> str:  # noqa: N802 - the conventional name of the extraction marker
    """Mark `message` for the catalogs without translating it now."""
    return message
