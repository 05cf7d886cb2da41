"""bot.domain.posts.plain_yaml reads what it reads exactly as both YAML loaders do."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.domain.posts import front_matter, plain_yaml
from bot.domain.posts.plain_yaml import load_plain

LOADERS = {front_matter._JekyllYAMLLoader, front_matter._FAST_LOADER}


def typed(value: Any) -> Any:
    """value with every scalar's type spelled out: True == 1 == 1.0 in Python."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, value)


def assert_as_yaml_reads(text: str, *, in_hypothesis: bool = False) -> Any:
    """load_plain(text), checked against each loader; None when it declines."""
    plain = load_plain(text)
    if in_hypothesis:
        event("read" if plain is not None else "declined")
    if plain is None:
        return None
    for loader in LOADERS:
        assert typed(plain) == typed(yaml.load(text, Loader=loader)), (loader, text)
    return plain


# Characters YAML gives meaning to, whitespace of every kind, characters YAML refuses.
TRICKY = "-:[]{},#'\"\\ \t.~!&*|>%@`?=+_/()0123456789abcxyYnNoOtTfF\xa0\x85\u2028\ufeff\x7f\x01é"
# Mostly text that load_plain may read (or nearly), so that most examples compare something.
NEARLY = "aaaabbbbcyYnNoO019      é-:,.'\"#/()[]"
# Scalars YAML resolves to something else than text, and near misses.
SPECIAL = "yes|No|off|null|~||2025-01-02|2025-01-02 03:04:05 +0300|1.5|12|0x1f|.inf|<<|=|a: b"
SPECIAL += "|a #b|http://x:80/y|it's|Привет мир|a  b"
TEXT = (
    st.text(alphabet=NEARLY, max_size=10)
    | st.text(alphabet=TRICKY, max_size=10)
    | st.sampled_from(SPECIAL.split("|"))
)
KEY = st.sampled_from(["title", "date", "tags", "a-b", "a_b", "x"]) | st.text(
    alphabet="abXYnoy_-0: ", min_size=1, max_size=6
)


@st.composite
def scalars(draw: st.DrawFn, *, in_flow: bool = False) -> str:
    text = draw(TEXT)
    style = draw(st.sampled_from(["plain", "double", "single"]))
    if in_flow and style == "plain":
        text = text.replace(",", "").replace("]", "")
    if style == "double":
        return f'"{text}"'
    if style == "single":
        return f"'{text}'"
    return text


@st.composite
def lines(draw: st.DrawFn) -> str:
    kind = draw(
        st.sampled_from(
            ["entry"] * 4 + ["flow"] * 2 + ["empty", "item", "item", "comment", "blank", "noise"]
        )
    )
    key = draw(KEY)
    pad = draw(st.sampled_from(["", " ", "  ", "\t"]))
    if kind == "entry":
        return f"{key}: {draw(scalars())}{pad}"
    if kind == "flow":
        items = draw(st.lists(scalars(in_flow=True), max_size=3))
        sep = draw(st.sampled_from([", ", ",", " , "]))
        return f"{key}: [{sep.join(items)}]{pad}"
    if kind == "empty":
        return f"{key}:{pad}"
    if kind == "item":
        return f"{draw(st.sampled_from(['', ' ', '  ']))}-{pad}{draw(scalars())}"
    if kind == "comment":
        return f"{pad}# {draw(TEXT)}"
    if kind == "blank":
        return pad
    return draw(TEXT)


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(lines(), min_size=1, max_size=5))
def test_what_load_plain_reads_both_loaders_read_alike(block: list[str]) -> None:
    assert_as_yaml_reads("\n".join(block) + "\n", in_hypothesis=True)


# Lines from the very patterns load_plain accepts: every corner of what it claims to read.
ACCEPTED_LINE = st.one_of(
    st.from_regex(plain_yaml._ENTRY, fullmatch=True),
    st.from_regex(plain_yaml._ENTRY, fullmatch=True),
    st.from_regex(plain_yaml._ITEM, fullmatch=True),
    st.from_regex(plain_yaml._SKIPPED, fullmatch=True),
)


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(ACCEPTED_LINE, min_size=1, max_size=5))
def test_lines_of_the_accepted_shapes_read_as_yaml_reads_them(block: list[str]) -> None:
    assert_as_yaml_reads("\n".join(block) + "\n", in_hypothesis=True)


@pytest.mark.parametrize(
    "text",
    [
        # bench/scan.py's posts and content/'s seed post
        'layout: post\ntitle: "Deal border talks"\ndate: 2023-12-01 21:59:52 +0000\n'
        'author: "badely"\ncategories: ["China Science"]\ntags: ["Japan Sport", "Iran"]\n'
        'excerpt: "Patients record flood."\nimage: assets/images/cd3a7420260c0c50.jpg\n',
        "title: Hello, world:again\ntags:\n  - news\n  - 'it s'\ncategories:\n- a b\n",
        "# a comment\npublished: false\nbreaking: Yes\nauthor:\nimage: https://x/y.png\n",
        "title: Привет, мир\ntags: [ru, 'de', \"en\"]\ncategories: []\n",
    ],
)
def test_common_front_matter_is_read_without_yaml(text: str) -> None:
    assert assert_as_yaml_reads(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "title: a #comment\n",
        "yes: 1\n",
        "weight: 3\n",
        'title: "a\\tb"\n',
        "title: a\n  continued\n",
        "tags:\n  - a\n    - b\n",
        "author:\n  name: x\n",
        "title: &a x\n",
        "title:\tx\n",
        "title: a\xa0\n",
        "",
    ],
)
def test_anything_else_is_left_to_yaml(text: str) -> None:
    assert load_plain(text) is None
