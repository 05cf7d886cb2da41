"""Front matter of plain lines (`key: value`, `key: [a, b]`, `- item`), read without YAML.

Most posts' front matter is a few such lines, and building YAML's node objects for them was
a third of a cold scan's parsing. `load_plain` reads that subset by regular expressions and
gives exactly what the YAML loader gives for it (tests/test_plain_yaml.py holds the two
together); anything outside it (quotes with escapes, comments after values, numbers, nested
collections, tabs, multi-line scalars, unusual whitespace) gives None, and the caller parses
the block with YAML, errors and all.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml  # type: ignore[import-untyped, unused-ignore]

# Characters that mean the same to every YAML reader inside a scalar are those not listed
# here (nor the space, allowed where the patterns say): no control character (C0, DEL, C1),
# no whitespace of any kind (Python's), no byte order mark, no non-character.
_ODD = r"\x00-\x1f\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\ufffe\uffff"
# A plain scalar: starts with a letter, digit, ".", "/" or "(", never holds "#" nor ": ",
# never ends in ":" or a space (block context): runs of ordinary characters joined by spaces
# and colons. In a flow sequence none of ":?,[]{}" (PyYAML ends a plain scalar at "?" there).
_FIRST = r"(?:[^\W_]|[./(])"
_RUN = rf"[^{_ODD} #:]"
_PLAIN = rf"{_FIRST}{_RUN}*(?:(?: +:*|:+){_RUN}+)*"
_FLOW_RUN = rf"[^{_ODD} #:?,\[\]{{}}]"
_PLAIN_IN_FLOW = rf"{_FIRST}{_FLOW_RUN}*(?: +{_FLOW_RUN}+)*"
_DOUBLE = rf'"[^{_ODD}"\\]*"'
_SINGLE = rf"'[^{_ODD}']*'"
_SCALAR = rf"(?:{_DOUBLE}|{_SINGLE}|{_PLAIN})"
_FLOW_ITEM = rf"(?:{_DOUBLE}|{_SINGLE}|{_PLAIN_IN_FLOW})"
_FLOW = rf"\[ *(?:{_FLOW_ITEM} *(?:, *{_FLOW_ITEM} *)*)?\]"

_ENTRY = re.compile(
    rf"(?P<key>[A-Za-z][A-Za-z0-9_-]{{0,99}}):(?: +(?:(?P<flow>{_FLOW})|(?P<value>{_SCALAR})))? *"
)
_ITEM = re.compile(rf"(?P<indent> *)-(?: +(?P<value>{_SCALAR}))? *")
_FLOW_ITEMS = re.compile(_FLOW_ITEM)
# Blank lines, and comments of characters YAML allows (not a line break such as U+2028).
_SKIPPED = re.compile(r" *(?:#[^\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]*)?")

_STR = "tag:yaml.org,2002:str"
# Both loaders (libyaml's and the pure-Python one) resolve and construct as SafeLoader does.
_RESOLVERS: dict[Any, list[tuple[str, re.Pattern[str]]]] = yaml.SafeLoader.yaml_implicit_resolvers
_BOOLS: dict[str, bool] = yaml.SafeLoader.bool_values
_NOT_PLAIN = object()  # a scalar this module does not read (a number, a merge key...)


def load_plain(text: str) -> dict[str, Any] | None:
    """What the YAML loader makes of text (a mapping), or None when text is not plain lines."""
    data: dict[str, Any] = {}
    lines = text.split("\n")
    n = 0
    while n < len(lines):
        line = lines[n]
        n += 1
        entry = _ENTRY.fullmatch(line)
        if entry is None:
            if _SKIPPED.fullmatch(line):
                continue
            return None
        key, flow, scalar = entry.group("key", "flow", "value")
        if _key_resolve(key) != _STR:
            return None  # "yes:" is the key True, "null:" None
        if flow is not None:
            value: Any = [_scalar(item) for item in _FLOW_ITEMS.findall(flow, 1, len(flow) - 1)]
            if any(item is _NOT_PLAIN for item in value):
                return None
        elif scalar is not None:
            value = _scalar(scalar)
        else:
            value, n = _block_items(lines, n)
        if value is _NOT_PLAIN:
            return None
        data[key] = value
    return data or None  # nothing but blank lines and comments: YAML says None


def _block_items(lines: list[str], n: int) -> tuple[Any, int]:
    """The `- item` lines from lines[n] on, as a list (None if there are none); the next line."""
    items: list[Any] = []
    indent: str | None = None
    end = n
    while n < len(lines):
        line = lines[n]
        if _SKIPPED.fullmatch(line):
            n += 1
            continue
        item = _ITEM.fullmatch(line)
        if item is None:
            break
        if indent is None:
            indent = item["indent"]
        elif item["indent"] != indent:
            return _NOT_PLAIN, n  # a nested list, or one YAML refuses
        value = item["value"]
        items.append(None if value is None else _scalar(value))
        n += 1
        end = n
    if any(item is _NOT_PLAIN for item in items):
        return _NOT_PLAIN, end
    return (items or None), end


def _scalar(token: str) -> Any:
    """A scalar token's value: quoted text as it is, plain text as YAML resolves it."""
    if token[0] in "\"'":
        return token[1:-1]
    token = token.rstrip(" ")
    tag = _resolve(token)
    if tag == _STR or tag == "tag:yaml.org,2002:timestamp":
        return token  # the loaders keep timestamps as text
    if tag == "tag:yaml.org,2002:bool":
        return _BOOLS[token.lower()]
    if tag == "tag:yaml.org,2002:null":
        return None
    return _NOT_PLAIN


def _resolve(value: str) -> str:
    """The tag YAML's resolver gives a plain scalar (yaml.resolver.BaseResolver.resolve)."""
    resolvers = _RESOLVERS.get(value[0] if value else "")
    wildcard = _RESOLVERS.get(None)
    if not resolvers and not wildcard:
        return _STR  # most text: no resolver looks at a scalar starting so
    for tag, pattern in (resolvers or []) + (wildcard or []):
        if pattern.match(value):
            return tag
    return _STR


_key_resolve = functools.lru_cache(maxsize=1024)(_resolve)  # keys repeat from post to post
