"""Jekyll front matter: the YAML block at the top of a post, split from its body."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import frontmatter
import yaml  # type: ignore[import-untyped, unused-ignore]
from frontmatter.default_handlers import YAMLHandler

from bot.domain.posts.model import MalformedPost
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


class _JekyllYAMLHandler(YAMLHandler):
    """python-frontmatter's YAML handler, strict where Jekyll is."""

    def __init__(self, first_line: int) -> None:
        super().__init__()
        # The file line the YAML starts on, so YAML errors name real line numbers.
        self.first_line = first_line

    def split(self, text: str) -> tuple[str, str]:
        match = _FRONT_MATTER.match(text)
        if match is None:
            raise ValueError("no front matter")
        # Blank lines in front of the YAML shift its line numbers to the file's.
        return "\n" * (self.first_line - 1) + match["yaml"], text[match.end() :]

    def load(self, fm: str, **kwargs: object) -> Any:
        data = load_yaml(fm)
        if data is None:
            return {}  # An empty block: Jekyll treats it as no variables.
        if not isinstance(data, dict):
            raise _NotAMapping(kind_of(data))
        return data


def split(text: str, path: str) -> tuple[Mapping[Any, Any], str]:
    stripped = text.strip()
    if not _OPENING.match(stripped):
        raise MalformedPost(path, "no front matter")
    match = _FRONT_MATTER.match(stripped)
    if match is None:
        raise MalformedPost(path, "front matter is not closed (no second '---' line)")
    if len(match["yaml"].encode()) > MAX_FRONT_MATTER_BYTES:
        # YAML parsing is slow and memory-hungry (a 1 MB block: 15 s, 300 MB).
        raise MalformedPost(
            path, f"front matter is larger than {MAX_FRONT_MATTER_BYTES // 1024} KiB"
        )
    leading_lines = text[: len(text) - len(text.lstrip())].count("\n")
    handler = _JekyllYAMLHandler(first_line=leading_lines + 2)
    try:
        meta, body = frontmatter.parse(stripped, handler=handler)
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


def _yaml_problem(error: Any) -> str:
    problem = getattr(error, "problem", None) or getattr(error, "context", None)
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if not problem or mark is None:
        return first_line(error)
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
