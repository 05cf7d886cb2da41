"""Jekyll's links for posts: permalink styles, placeholders and front-matter defaults.

Pure functions of values, following Jekyll 4 (`Configuration::STYLE_TO_PERMALINK`,
`Drops::UrlDrop`, `URL#generate_url_from_drop`, `URL#sanitize_url`, `Utils#slugify`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import NamedTuple
from urllib.parse import quote

__all__ = [
    "DEFAULT_TEMPLATE",
    "STYLES",
    "Permalinks",
    "ScopedPermalink",
    "UnknownPlaceholder",
    "check_template",
    "post_link",
    "slugify",
    "style_template",
]

# Jekyll's named permalink styles (_config.yml `permalink`); `date` is the default.
STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
DEFAULT_TEMPLATE = STYLES["date"]

# Jekyll's URL escaping keeps unreserved, sub-delims, ":", "@" and "/".
_URL_SAFE = "/:@!$&'()*+,;=~"
_PLAIN = re.compile(r"[a-zA-Z0-9./-]+")
_PLACEHOLDER = re.compile(r":([a-z_]+)")
# Ruby's strftime names days and months in English whatever the locale.
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_PRETTY_KEEP = frozenset("._~!$&'()+,;=@")
# slugify of ASCII text: each run of these becomes one "-".
_ASCII_DROPPED = re.compile(r"[^A-Za-z0-9]+")
_ASCII_PRETTY_DROPPED = re.compile(r"[^A-Za-z0-9._~!$&'()+,;=@]+")


class UnknownPlaceholder(ValueError):
    """A permalink names a placeholder Jekyll does not have for posts."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"unknown placeholder ':{self.name}' in permalink"


@dataclass(frozen=True)
class ScopedPermalink:
    """A front-matter defaults set: its `permalink` ("" if none) and its scope."""

    permalink: str
    path: str = ""
    type: str | None = None

    def applies(self, site_path: str) -> bool:
        """Whether this default applies to the post at site_path (relative to the site)."""
        if self.type is not None and self.type not in ("posts", "post"):
            return False
        scope = self.path
        if not scope:
            return True
        if scope.startswith("/"):
            # Jekyll compares (and globs) the scope path as given, so "/_posts" never matches.
            return False
        if "*" in scope:
            # Jekyll globs the scope on disk and compares prefixes; a glob that matches one of
            # the post's ancestor folders (or the post itself) is the same test without I/O.
            parts = PurePosixPath(site_path).parts
            return any(_glob_matches(scope, parts[:n]) for n in range(1, len(parts) + 1))
        return site_path.startswith(scope)


@dataclass(frozen=True)
class Permalinks:
    """How a site builds its posts' links: what its _config.yml says, or Jekyll's defaults."""

    template: str = DEFAULT_TEMPLATE
    defaults: tuple[ScopedPermalink, ...] = ()
    # CONTENT_DIR relative to the folder holding _posts folders (the site), "" when the same.
    prefix: str = ""

    def site_path(self, path: str) -> str:
        """A post's path relative to the site, from its path relative to CONTENT_DIR."""
        return f"{self.prefix}/{path}" if self.prefix else path

    def default_permalink(self, site_path: str) -> str | None:
        """The front-matter defaults' permalink for this post, as Jekyll merges them."""
        found: str | None = None
        winner: ScopedPermalink | None = None
        for scoped in self.defaults:
            if not scoped.applies(site_path):
                continue
            if winner is None or _takes_precedence(winner, scoped):
                # A set without a permalink still wins the scope (FrontmatterDefaults#all).
                found, winner = scoped.permalink or found, scoped
            elif found is None:
                found = scoped.permalink or None
        return found


def _glob_matches(pattern: str, parts: tuple[str, ...]) -> bool:
    """Whether the path `parts` matches Ruby's Dir.glob `pattern`.

    "*" and "?" stay within a folder, a "**" folder matches any number of folders. Matched
    folder by folder without regular expressions: a backtracking regex of "*a*a*a…b" takes
    exponential time, and a site's config must not be able to stall the bot.
    """
    globs = pattern.rstrip("/").split("/")
    reached = {0}  # how many of `parts` the globs so far can have matched
    for index, glob in enumerate(globs):
        if glob == "**" and index < len(globs) - 1:
            reached = set(range(min(reached), len(parts) + 1))
        else:
            reached = {n + 1 for n in reached if n < len(parts) and _name_matches(glob, parts[n])}
        if not reached:
            return False
    return len(parts) in reached


def _name_matches(glob: str, name: str) -> bool:
    """Whether one folder or file name matches a glob of "*" and "?", in O(len * len) time."""
    g = n = 0
    star, resume = -1, 0  # where the last "*" was, and where its match may restart
    while n < len(name):
        if g < len(glob) and glob[g] == "*":
            star, resume = g, n
            g += 1
        elif g < len(glob) and glob[g] in ("?", name[n]):
            g += 1
            n += 1
        elif star != -1:
            g, resume = star + 1, resume + 1
            n = resume
        else:
            return False
    return all(char == "*" for char in glob[g:])


def _takes_precedence(old: ScopedPermalink, new: ScopedPermalink) -> bool:
    """Jekyll's FrontmatterDefaults#has_precedence?: the longer path, then a typed scope."""
    old_path, new_path = old.path.removeprefix("/"), new.path.removeprefix("/")
    if len(new_path) != len(old_path):
        return len(new_path) >= len(old_path)
    return new.type is not None or old.type is None


def style_template(style: str) -> str:
    """The template a _config.yml `permalink` stands for: a named style or itself."""
    return STYLES.get(style, style)


def slugify(text: str, *, pretty: bool = False, cased: bool = False) -> str:
    """Jekyll's Utils.slugify in its default (or pretty) mode."""
    if text.isascii():
        # The same, by one regex: the only ASCII letters and digits are [A-Za-z0-9].
        slug = (_ASCII_PRETTY_DROPPED if pretty else _ASCII_DROPPED).sub("-", text).strip("-")
        return slug if cased else slug.lower()
    pieces: list[str] = []
    for char in text:
        kind = unicodedata.category(char)
        kept = kind[0] in "LM" or kind == "Nd" or (pretty and char in _PRETTY_KEEP)
        if kept:
            pieces.append(char)
        elif not pieces or pieces[-1] != "-":
            # "-" itself is never kept, so a "-" already there began this run: one per run.
            pieces.append("-")
    slug = "".join(pieces).strip("-")
    return slug if cased else slug.lower()


def check_template(template: str) -> None:
    """Raise UnknownPlaceholder when template names a placeholder posts do not have."""
    for match in _PLACEHOLDER.finditer(template):
        _winner(match[1], _KNOWN)


def post_link(
    template: str,
    *,
    site_path: str,
    slug: str,
    categories: Iterable[str],
    when: datetime,
    output_ext: str = ".html",
) -> str:
    """A post's URL path as Jekyll builds it; when is the post's date in the site's zone."""
    literals, names = _compiled(template)
    post = _Post(site_path, slug.rstrip("."), list(categories), when, output_ext)
    pieces = [literals[0]]
    for name, literal in zip(names, literals[1:], strict=True):
        pieces.append(_escape(_VALUES[name](post)))
        pieces.append(literal)
    return _sanitize("".join(pieces))


@functools.lru_cache(maxsize=64)
def _compiled(template: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A template's literal text (escaped) around its placeholders' names; a site has few."""
    literals: list[str] = []
    names: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        name = _winner(match[1], _KNOWN)
        # Literal text may already be %-escaped by the author; values never are.
        literals.append(quote(template[position : match.start()], safe=_URL_SAFE + "%"))
        names.append(name)
        position = match.start() + 1 + len(name)
    literals.append(quote(template[position:], safe=_URL_SAFE + "%"))
    return tuple(literals), tuple(names)


def _winner(name: str, known: Iterable[str]) -> str:
    """Jekyll's key lookup: ":month_" is :month followed by "_" when :month_ is unknown."""
    pool = [name, name[:-1]] if name.endswith("_") else [name]
    for key in pool:
        if key in known:
            return key
    raise UnknownPlaceholder(name)


class _Post(NamedTuple):
    """What a post's placeholders are made of."""

    site_path: str
    slug: str  # Jekyll: "slugs shouldn't end with a period"
    categories: list[str]
    when: datetime
    output_ext: str


def _iso(post: _Post, part: int) -> int:
    return post.when.isocalendar()[part]


# Each placeholder's value, computed only if the template names it (a scan makes many).
_VALUES: dict[str, Callable[[_Post], str]] = {
    "collection": lambda p: "posts",
    "path": lambda p: _cleaned_relative_path(p.site_path),
    "name": lambda p: slugify(PurePosixPath(p.site_path).name.rsplit(".", 1)[0]),
    "title": lambda p: slugify(p.slug, pretty=True, cased=True),
    "slug": lambda p: slugify(p.slug),
    # Jekyll lowercases categories in URLs and lists each once.
    "categories": lambda p: "/".join(dict.fromkeys(c.lower() for c in p.categories)),
    "slugified_categories": lambda p: "/".join(dict.fromkeys(slugify(c) for c in p.categories)),
    "year": lambda p: f"{p.when.year:04d}",
    "short_year": lambda p: f"{p.when.year % 100:02d}",
    "month": lambda p: f"{p.when.month:02d}",
    "i_month": lambda p: str(p.when.month),
    "short_month": lambda p: _MONTHS[p.when.month - 1][:3],
    "long_month": lambda p: _MONTHS[p.when.month - 1],
    "day": lambda p: f"{p.when.day:02d}",
    "i_day": lambda p: str(p.when.day),
    "y_day": lambda p: f"{p.when.timetuple().tm_yday:03d}",
    "w_year": lambda p: f"{_iso(p, 0):04d}",
    "week": lambda p: f"{_iso(p, 1):02d}",
    "w_day": lambda p: str(_iso(p, 2)),
    "short_day": lambda p: _DAYS[_iso(p, 2) - 1][:3],
    "long_day": lambda p: _DAYS[_iso(p, 2) - 1],
    "hour": lambda p: f"{p.when.hour:02d}",
    "minute": lambda p: f"{p.when.minute:02d}",
    "second": lambda p: f"{p.when.second:02d}",
    "output_ext": lambda p: p.output_ext,
}
_KNOWN = frozenset(_VALUES)


def _cleaned_relative_path(site_path: str) -> str:
    """Jekyll's Document#cleaned_relative_path: no extension, the first "_posts" removed."""
    without_ext = site_path.rsplit(".", 1)[0] if "." in PurePosixPath(site_path).name else site_path
    return without_ext.replace("_posts", "", 1).rstrip(".")


@functools.lru_cache(maxsize=4096)  # categories, years, months and days repeat
def _escape(value: str) -> str:
    """Jekyll's URL.escape_path."""
    if not value or _PLAIN.fullmatch(value):
        return value
    return quote(value, safe=_URL_SAFE)


def _sanitize(url: str) -> str:
    """Jekyll's URL#sanitize_url: no "..", no "./", no "//", one leading "/"."""
    url = ("/" + url).replace("..", "/").replace("./", "")
    return _SLASHES.sub("/", url) if "//" in url else url


_SLASHES = re.compile("/{2,}")
