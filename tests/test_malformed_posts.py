"""Tests for bot.domain.posts and bot.scanning.files: malformed files, each with a clear reason."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from bot.domain.posts import MalformedPost, parse_post
from bot.scanning.files import MAX_POST_BYTES, read_post
from tests.support.posts import SEED

MALFORMED = Path(__file__).parent / "corpus" / "malformed"

# --- malformed files -----------------------------------------------------------------------

MALFORMED_REASONS = {
    "bad-yaml.md": "bad YAML front matter: expected ',' or ']', but got '<stream end>' "
    "(line 5, column 1)",
    "bad-mapping.md": "bad YAML front matter: mapping values are not allowed here "
    "(line 2, column 14)",
    "latin1.md": "not UTF-8 text (byte offset 14)",
    "missing-title.md": "missing title",
    "blank-title.md": "missing title",
    "title-list.md": "title is not text (got a list)",
    "bad-date.md": "bad date '2025-13-45'",
    "bad-date-words.md": "bad date 'next Tuesday'",
    "no-date.md": "no date (neither in front matter nor in the file name)",
    "empty.md": "file is empty",
    "no-front-matter.md": "no front matter",
    "unclosed-front-matter.md": "front matter is not closed (no second '---' line)",
    "front-matter-list.md": "front matter is not a mapping (got a list)",
}


def test_every_malformed_file_has_a_reason() -> None:
    assert {f.name for f in MALFORMED.iterdir() if f.suffix == ".md"} == set(MALFORMED_REASONS)


@pytest.mark.parametrize("name", sorted(MALFORMED_REASONS))
def test_malformed_file(name: str) -> None:
    with pytest.raises(MalformedPost) as caught:
        read_post(MALFORMED, MALFORMED / name)
    assert caught.value.path == name
    assert caught.value.reason == MALFORMED_REASONS[name]
    assert str(caught.value) == f"{name}: {MALFORMED_REASONS[name]}"


def test_huge_file(tmp_path: Path) -> None:
    file = tmp_path / "2025-01-01-huge.md"
    file.write_bytes(b"---\ntitle: Huge\n---\n" + b"a" * MAX_POST_BYTES)
    with pytest.raises(MalformedPost) as caught:
        read_post(tmp_path, file)
    assert caught.value.reason == f"file is too large ({MAX_POST_BYTES + 20} bytes)"


def test_largest_allowed_file(tmp_path: Path) -> None:
    head = b"---\ntitle: Big\n---\n\n"
    file = tmp_path / "2025-01-01-big.md"
    file.write_bytes(head + b"word " * ((MAX_POST_BYTES - len(head)) // 5))
    assert read_post(tmp_path, file).title == "Big"


def test_binary_file(tmp_path: Path) -> None:
    file = tmp_path / "2025-01-01-image.md"
    file.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
    with pytest.raises(MalformedPost) as caught:
        read_post(tmp_path, file)
    assert caught.value.reason == "binary file"


def test_whitespace_only_file_is_empty(tmp_path: Path) -> None:
    file = tmp_path / "2025-01-01-blank.md"
    file.write_bytes(b" \n\r\n\t")
    with pytest.raises(MalformedPost, match="file is empty"):
        read_post(tmp_path, file)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(MalformedPost) as caught:
        read_post(tmp_path, tmp_path / "missing.md")
    assert (caught.value.path, caught.value.reason) == ("missing.md", "No such file or directory")
    (tmp_path / "folder.md").mkdir()
    with pytest.raises(MalformedPost, match=r"not a regular file \(a folder\)"):
        read_post(tmp_path, tmp_path / "folder.md")


def test_file_outside_root(tmp_path: Path) -> None:
    with pytest.raises(MalformedPost, match="not inside the content folder"):
        read_post(tmp_path / "content", SEED)


def test_malformed_post_pickles() -> None:
    error = pickle.loads(pickle.dumps(MalformedPost("a.md", "missing title")))
    assert (error.path, error.reason, str(error)) == (
        "a.md",
        "missing title",
        "a.md: missing title",
    )


@pytest.mark.parametrize(
    ("front_matter", "reason"),
    [
        ("title: x\ndate: 2025-02-30", "bad date '2025-02-30'"),
        ("title: x\ndate: 2025-05-01 25:00", "bad date '2025-05-01 25:00'"),
        ("title: x\ndate: 2025-05-01 10:00 +2500", "bad date '2025-05-01 10:00 +2500'"),
        ("title: x\ndate: 0001-01-01 00:00 +0100", "bad date '0001-01-01 00:00 +0100'"),
        ("title: x\ndate: 20250501", "bad date '20250501'"),
        ("title: x\ndate: [2025]", "bad date (got a list)"),
        ("title: x\ndate: 1.5", "bad date '1.5'"),
        ("just text", "front matter is not a mapping (got text)"),
        ("42", "front matter is not a mapping (got a number)"),
        ("title: {a: b}", "title is not text (got a mapping)"),
        ("title: !!binary aGk=", "title is not text (got a bytes)"),
        (
            "title: !!python/object:os.system x",
            "bad YAML front matter: could not determine "
            "a constructor for the tag 'tag:yaml.org,2002:python/object:os.system' "
            "(line 2, column 8)",
        ),
        (
            "title: x\nn: " + "9" * 5000,
            "bad YAML front matter: Exceeds the limit (4300 digits) "
            "for integer string conversion: value has 5000 digits; use sys.set_int_max_str_digits()"
            " to increase the limit",
        ),
        ("title: " + "[" * 5000, "bad YAML front matter: nested too deeply"),
        (
            "title: a\0b",
            "bad YAML front matter: unacceptable character #x0000: special "
            "characters are not allowed",
        ),
    ],
)
def test_bad_front_matter(front_matter: str, reason: str) -> None:
    with pytest.raises(MalformedPost) as caught:
        parse_post(f"---\n{front_matter}\n---\nBody.\n", "x.md")
    assert caught.value.reason == reason


def test_yaml_error_line_counts_leading_blank_lines() -> None:
    with pytest.raises(MalformedPost) as caught:
        parse_post("\n\n---\ntitle: x\nbad: [\n---\n", "x.md")
    assert caught.value.reason.endswith("(line 6, column 1)")
