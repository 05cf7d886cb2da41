"""What /language says: the languages the bot speaks, and the choice made."""

from __future__ import annotations

import html

from bot.domain.callbacks import shorten
from bot.domain.i18n import LANGUAGES, _, current_language


def choose_language() -> str:
    """/language without a code: the current language, and the buttons' question."""
    return _("I speak {language} in this chat. Pick another, or send /language CODE:").format(
        language=LANGUAGES[current_language()]
    )


def language_set() -> str:
    """The confirmation, said in the language just chosen."""
    # TRANSLATORS: said right after a chat chose this very language; name it.
    return _("From now on I speak English in this chat.")


def unknown_language(wanted: str) -> str:
    """/language with a code we do not speak."""
    known = ", ".join(f"{code} ({name})" for code, name in LANGUAGES.items())
    return _("I don't speak {wanted}. I speak {languages}: send /language CODE.").format(
        wanted=f"<b>{html.escape(shorten(wanted, 40))}</b>", languages=known
    )


def language_button(code: str) -> str:
    """A button of the /language keyboard: the language named in itself, the current ticked."""
    name = LANGUAGES[code]
    return f"✓ {name}" if code == current_language() else name
