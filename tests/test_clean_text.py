"""clean(): the fast path for plain ASCII gives what ftfy gives."""

from __future__ import annotations

import ftfy
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.values import _FTFY, _WHITESPACE, clean


def by_ftfy(text: str) -> str:
    return _WHITESPACE.sub(" ", ftfy.fix_text(text, _FTFY)).strip()


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_is_cleaned_as_ftfy_cleans_it(text: str) -> None:
    assert clean(text) == by_ftfy(text)


@given(st.text())
def test_any_text_is_cleaned_as_ftfy_cleans_it(text: str) -> None:
    assert clean(text) == by_ftfy(text)


def test_what_ftfy_repairs_in_ascii_is_still_repaired() -> None:
    assert clean("Fish &amp; chips") == "Fish & chips"
    assert clean("Here\x1b[31m red") == by_ftfy("Here\x1b[31m red")
    assert clean("Hereâ€™s  the\r\nnews ") == "Here’s the news"
