"""The bot's words in the reader's language: gettext, with the language chosen per update.

Every text the bot itself writes (replies, buttons, labels, digests; never a post's own text) is
written in English inside `_()` (or `ngettext()` for a count), and looked up in the chat's
language when it is built. The language is a context variable: the handler of an update, or the
sender of a row, sets it with `use_language(code)` for the chat it works for, so a text built
anywhere below comes out in that chat's language. `N_()` marks a constant for extraction without
translating it at import time; translate it where it is used, with `_()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

DEFAULT_LANGUAGE = "en"

_language: ContextVar[str] = ContextVar("newsbot_language", default=DEFAULT_LANGUAGE)


def current_language() -> str:
    """The language texts are built in here and now."""
    return _language.get()


@contextmanager
def use_language(code: str | None) -> Iterator[None]:
    """Build texts in `code` (a language we do not have means English) inside the block."""
    token = _language.set(code or DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


def _(message: str) -> str:
    """`message` in the current language."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a counted text for `count` in the current language (format it afterwards)."""
    return singular if count == 1 else plural


def N_(message: str) -> str:  # noqa: N802 - the conventional name of the extraction marker
    """Mark `message` for the catalogs without translating it now."""
    return message
