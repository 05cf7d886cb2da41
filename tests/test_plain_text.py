"""bot.domain.posts.plain_text finds the excerpt markdown-it finds, whenever it finds one."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.domain.posts import excerpts, plain_text
from bot.domain.posts.plain_text import plain_first_paragraph, plain_lines

# Markdown, Liquid, Kramdown and HTML markup, whitespace of every kind, control characters.
MARKUP = st.sampled_from(
    [*"*_`[]()<>&\\|{}#!:'\"éЖ١", "&amp;", "~~", "{% comment %}", "{% endcomment %}", "{{ x }}"]
    + ["{: .lead}", "<![if x]>", "<!--", "# ", "- ", "+ ", "* ", "1. ", "2) ", "10.5", "==="]
    + ["---", "    ", "\t", " ", "  ", "\n", "\n\n", "\n \n", "\xa0", "\u2028", "\x85", "\x00"]
    + ["\x1f", "\ufeff", "[x]: /u", "![i](/i.png)", "word", "Word", "42"]
)
MIXED = st.lists(MARKUP | st.text(alphabet="abc XY.,!?'", max_size=6), max_size=12).map("".join)
LINE = st.from_regex(plain_text._LINE, fullmatch=True)
# A plain paragraph (or nearly), then anything: what comes after must not change the answer.
NEARLY_PLAIN = st.builds(
    lambda lines, sep, rest: "\n".join(lines) + sep + rest,
    st.lists(LINE | MIXED, min_size=1, max_size=4),
    st.sampled_from(["", "\n\n", "\n", "\n\n\n", "\n  \n"]),
    MIXED,
)


def assert_as_markdown_it_reads(body: str) -> None:
    plain = plain_first_paragraph(body)
    event("read" if plain is not None else "declined")
    if plain is not None:
        assert plain == excerpts._first_paragraph(body), body
    given = plain_lines(body)
    if given is not None:
        assert given == excerpts._given_text(body), body


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(NEARLY_PLAIN)
def test_a_plain_first_paragraph_is_what_markdown_it_finds(body: str) -> None:
    assert_as_markdown_it_reads(body)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(MIXED)
def test_markup_anywhere_is_read_alike_or_left_to_markdown_it(body: str) -> None:
    assert_as_markdown_it_reads(body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Officials met on Monday.\nThey agreed.\n\nMore text.",
            "Officials met on Monday. They agreed.",
        ),
        ("«Привет», сказал он: 100% (да)!\n\n[x]: /u", "«Привет», сказал он: 100% (да)!"),
        ("1984 was a year.", "1984 was a year."),
    ],
)
def test_prose_is_read_without_markdown_it(body: str, expected: str) -> None:
    assert plain_first_paragraph(body) == expected == excerpts._first_paragraph(body)


@pytest.mark.parametrize(
    "body",
    [
        "A *word*.",
        "Title\n===",
        "Line\n- item",
        "1. first",
        "A [link].\n\n[link]: /x",
        "A {% if x %}b{% endif %}.",
        "  indented",
        "Ends in spaces  \nnext",
        "",
        "x" * (plain_text.SOURCE_CHARS + 1),
    ],
)
def test_markup_is_left_to_markdown_it(body: str) -> None:
    assert plain_first_paragraph(body) is None
