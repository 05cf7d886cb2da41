"""Fuzzing bot.domain.posts.parse_post and read_post: nothing but MalformedPost may come out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path, PurePosixPath

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.posts import MalformedPost, parse_post
from bot.domain.posts.parsing import _stem, path_parts
from bot.domain.topics import topic_key
from bot.scanning.files import read_post

# --- fuzzing: nothing but MalformedPost may come out ---------------------------------------

YAMLISH = st.text(alphabet="-:[]{}!&*#|>'\"%@`\\,. \n\t\rabc0123456789Tt+Z_\ufeff\0\x85")
FIELD = st.sampled_from(
    [
        "title",
        "date",
        "categories",
        "category",
        "tags",
        "tag",
        "published",
        "permalink",
        "excerpt",
        "description",
        "excerpt_separator",
        "image",
        "author",
        "slug",
    ]
)
VALUE = st.one_of(
    YAMLISH,
    st.text(),
    st.sampled_from(
        [
            "2025-02-30",
            "9999-12-31 23:59 -0100",
            "0001-01-01 00:00 +0100",
            "[a, [b]]",
            "{a: 1}",
            "!!binary aGk=",
            "!!set {a}",
            "!!omap [a: 1]",
            "&a [*a]",
            "''",
            "~",
            "no",
            "1e999",
            "/:categories/:title",
            "https://x/:year",
            "<!--more-->",
            '"\\ud800"',
        ]
    ),
)
FRONT_MATTER = st.lists(st.tuples(FIELD, VALUE), max_size=8).map(
    lambda items: "\n".join(f"{key}: {value}" for key, value in items)
)
MARKDOWN = st.text(alphabet="#*_`[]()!<>/\\{}%|-=~&;:pa1 \n\t\r\u00a0\u200d\u0301é🚀")
PATH = st.sampled_from(
    [
        "x.md",
        "2025-05-01-x.md",
        "2025-13-45-x.md",
        "a/_posts/2025-05-01-.md",
        "_posts/x.md",
        "9999-12-31-x.md",
        "0001-01-01-x.md",
    ]
)


def check_parse(text: str, path: str) -> None:
    try:
        parsed = parse_post(text, path)
    except MalformedPost as error:
        assert error.path == path
        assert error.reason
        return
    assert parsed.title
    assert parsed.title == " ".join(parsed.title.split())
    assert parsed.date.utcoffset() == timedelta(0)
    assert parsed.link.startswith(("/", "http://", "https://", "HTTP"))
    assert "//" not in parsed.link.split("://", 1)[-1] or parsed.link.startswith("http")
    for topic in parsed.topics:
        assert topic.key == topic_key(topic.name) != ""
    parsed.url("https://s.example/")
    parsed.image_url("https://s.example/")


@settings(max_examples=400, deadline=None)
@given(text=st.text(), path=PATH)
def test_fuzz_any_text(text: str, path: str) -> None:
    check_parse(text, path)


@settings(max_examples=600, deadline=None)
@given(
    front_matter=FRONT_MATTER, body=MARKDOWN, path=PATH, lead=st.sampled_from(["", "\n", " \r\n"])
)
def test_fuzz_front_matter_and_body(front_matter: str, body: str, path: str, lead: str) -> None:
    check_parse(f"{lead}---\n{front_matter}\n---\n{body}", path)


@settings(max_examples=300, deadline=None)
@given(body=MARKDOWN, yaml=YAMLISH)
def test_fuzz_title_and_excerpt_fields(body: str, yaml: str) -> None:
    check_parse(f"---\ntitle: {yaml}\nexcerpt: {yaml}\n---\n{body}", "2025-05-01-x.md")
    check_parse(f"---\ntitle: t\nexcerpt_separator: '{yaml}'\n---\n{body}", "2025-05-01-x.md")


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=400) | st.text().map(lambda t: ("---\ntitle: x\n---\n" + t).encode())
)
def test_fuzz_read_post_bytes(tmp_path: Path, data: bytes) -> None:
    file = tmp_path / "2025-05-01-fuzz.md"
    file.write_bytes(data)
    try:
        read_post(tmp_path, file)
    except MalformedPost as error:
        assert error.path == "2025-05-01-fuzz.md"


@given(path=st.text(alphabet="ab./_ ", max_size=12))
def test_path_parts_and_stem_are_pathlibs(path: str) -> None:
    assert path_parts(path) == PurePosixPath(path).parts
    assert _stem(path) == PurePosixPath(path).stem
