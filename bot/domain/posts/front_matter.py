"""Jekyll front matter: the YAML block at the top of a post, split from its body."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml  # type: ignore[import-untyped, unused-ignore]

from bot.domain.posts.model import MalformedPost
from bot.domain.posts.plain_yaml import load_plain
from bot.domain.values import first_line, kind_of

# Pure-Python YAML is slow: the densest 64 KiB of front matter takes about 2 s to parse.
MAX_FRONT_MATTER_BYTES = 64 * 1024

# Jekyll's rule: an opening "---" line, then YAML up to a closing "---" or "..." line.
_FRONT_MATTER = re.compile(
    r"---[ \t]*\n(?P<yaml>.*?)^(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL | re.MULTILINE
)
_OPENING = re.compile(r"---[ \t]*(?:\n|\Z)")


class _NotAMapping(Exception):
    """Front matter that parsed to something other than a mapping."""


class _JekyllYAMLLoader(yaml.SafeLoader):  # type: ignore[misc, unused-ignore]
    """A safe YAML loader that leaves timestamps as text."""


# libyaml's loader (PyYAML built with it) parses several times faster than the pure-Python
# one: the cold scan of a big site is mostly YAML. Its error messages differ, so a block it
# refuses is parsed again by the pure-Python loader, whose message the log then shows.
_FastLoader: Any = getattr(yaml, "CSafeLoader", None)
if _FastLoader is not None:

    class _FastJekyllYAMLLoader(_FastLoader):  # type: ignore[misc]
        """The same loader on libyaml."""

    _FAST_LOADER: Any = _FastJekyllYAMLLoader
else:
    _FAST_LOADER = _JekyllYAMLLoader


def _timestamp_as_text(loader: Any, node: Any) -> str:
    return str(loader.construct_scalar(node))


# PyYAML builds date objects itself and raises a bare ValueError for "2025-02-30";
# keeping timestamps as text lets _parse_date judge every date the same way.
for _loader in {_JekyllYAMLLoader, _FAST_LOADER}:
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def load_yaml(text: str) -> Any:
    """YAML with libyaml where installed; a refused block fails as the pure-Python loader says."""
    try:
        return yaml.load(text, Loader=_FAST_LOADER)  # A SafeLoader: no arbitrary objects.
    except yaml.YAMLError:
        if _FAST_LOADER is _JekyllYAMLLoader:
            raise
    return yaml.load(text, Loader=_JekyllYAMLLoader)


def split(text: str, path: str) -> tuple[Mapping[Any, Any], str]:
    """A post's front matter (a mapping) and its body, both as Jekyll reads them."""
    stripped = text.strip()
    if not _OPENING.match(stripped):
        raise MalformedPost(path, "no front matter")
    match = _FRONT_MATTER.match(stripped)
    if match is None:
        raise MalformedPost(path, "front matter is not closed (no second '---' line)")
    block = match["yaml"]
    if len(block.encode()) > MAX_FRONT_MATTER_BYTES:
        # YAML parsing is slow and memory-hungry (a 1 MB block: 15 s, 300 MB).
        raise MalformedPost(
            path, f"front matter is larger than {MAX_FRONT_MATTER_BYTES // 1024} KiB"
        )
    body = stripped[match.end() :].strip()
    meta = load_plain(block)
    if meta is not None:
        return meta, body
    # Blank lines in front of the YAML shift its line numbers to the file's.
    leading_lines = text[: len(text) - len(text.lstrip())].count("\n")
    try:
        meta = _mapping(load_yaml("\n" * (leading_lines + 1) + block))
    except _NotAMapping as error:
        raise MalformedPost(path, f"front matter is not a mapping (got {error})") from error
    except yaml.YAMLError as error:
        raise MalformedPost(path, f"bad YAML front matter: {_yaml_problem(error)}") from error
    except RecursionError as error:
        raise MalformedPost(path, "bad YAML front matter: nested too deeply") from error
    except Exception as error:
        # PyYAML's constructors raise plain ValueError etc. (e.g. an int over Python's
        # digit limit); none of it may escape as anything but a MalformedPost.
        raise MalformedPost(path, f"bad YAML front matter: {first_line(error)}") from error
    return meta, body


def _mapping(data: Any) -> dict[Any, Any]:
    if data is None:
        return {}  # An empty block: Jekyll treats it as no variables.
    if not isinstance(data, dict):
        raise _NotAMapping(kind_of(data))
    return data


def _yaml_problem(error: Any) -> str:
    problem = getattr(error, "problem", None) or getattr(error, "context", None)
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if not problem or mark is None:
        return first_line(error)
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
