"""Read Jekyll-style Markdown posts into plain, announceable values."""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

import frontmatter
import ftfy
import yaml  # type: ignore[import-untyped, unused-ignore]
from frontmatter.default_handlers import YAMLHandler
from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.permalinks import Permalinks, UnknownPlaceholder, post_link

__all__ = [
    "MAX_FRONT_MATTER_BYTES",
    "MAX_POST_BYTES",
    "POST_SUFFIXES",
    "MalformedPost",
    "Post",
    "Topic",
    "is_post_file",
    "is_web_url",
    "not_a_regular_file",
    "parse_post",
    "photo_url",
    "read_post",
    "topic_key",
]

MAX_POST_BYTES = 1_000_000
TOPIC_KEY_LIMIT = 200  # characters, the width of the topic columns
# Pure-Python YAML is slow: the densest 64 KiB of front matter takes about 2 s to parse.
MAX_FRONT_MATTER_BYTES = 64 * 1024
POST_SUFFIXES = (".md", ".markdown")
_JEKYLL_DEFAULTS = Permalinks()


class MalformedPost(Exception):
    """A post file that cannot be announced."""

    def __init__(self, path: str, reason: str) -> None:
        # Both go to Exception so the error survives pickling (e.g. across processes).
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Topic:
    """A category or tag a chat can subscribe to."""

    key: str
    name: str
    kind: str


@dataclass(frozen=True)
class Post:
    """One post, as the bot announces it."""

    path: str
    title: str
    date: datetime
    slug: str
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    excerpt: str
    image: str | None
    author: str | None
    published: bool
    link: str

    @property
    def topics(self) -> tuple[Topic, ...]:
        """Categories then tags, one per key, spelled as first written."""
        seen: set[str] = set()
        topics: list[Topic] = []
        for kind, names in (("category", self.categories), ("tag", self.tags)):
            for name in names:
                key = topic_key(name)
                # A key of "" cannot be subscribed to, so it is not a topic.
                if key and key not in seen:
                    seen.add(key)
                    topics.append(Topic(key=key, name=name, kind=kind))
        return tuple(topics)

    def url(self, site_url: str) -> str:
        """The post's absolute URL on the site at site_url."""
        return _join_url(site_url, self.link)

    def image_url(self, site_url: str) -> str | None:
        """The image's absolute http(s) URL on the site at site_url, or None."""
        return None if self.image is None else photo_url(self.image, site_url)


def topic_key(name: str) -> str:
    """The normalised form of a topic name that subscriptions store."""
    key = name.strip().lstrip("#").casefold()
    # casefold() may leave decomposed characters; NFC makes "é" typed either way one key.
    key = unicodedata.normalize("NFC", key)
    # Keys are stored in 200-character columns: a longer one would fail the whole scan.
    return _KEY_SEPARATORS.sub("-", key).strip("-")[:TOPIC_KEY_LIMIT].rstrip("-")


# Folders of a site that never hold its posts: the built site and installed dependencies.
_NOT_CONTENT = frozenset({"_site", "vendor", "node_modules"})


def is_post_file(relpath: PurePosixPath, *, in_posts_folder: bool = False) -> bool:
    """Whether a path under the content folder is a post Jekyll would publish.

    in_posts_folder: the content folder is a whole site (or part of one above its `_posts`),
    so only files inside a `_posts` folder are posts; pages and READMEs are not.
    """
    if relpath.suffix.lower() not in POST_SUFFIXES or relpath.name.endswith("~"):
        return False
    folders = relpath.parts[:-1]
    if in_posts_folder and ("_posts" not in folders or _NOT_CONTENT.intersection(folders)):
        return False
    # Hidden files (editor swap files, .git) and drafts are never announced.
    return not any(part.startswith((".", "_drafts")) for part in relpath.parts)


def read_post(
    root: Path, file: Path, *, tz: tzinfo = UTC, links: Permalinks = _JEKYLL_DEFAULTS
) -> Post:
    """Read and parse the post at file (a regular file, reached by no link below root)."""
    path = _relative_posix(root, file)
    try:
        data = _read_regular_file(root, path)
    except OSError as error:
        raise MalformedPost(path, error.strerror or str(error)) from error
    if len(data) > MAX_POST_BYTES:
        raise MalformedPost(path, f"file is too large ({len(data)} bytes)")
    if not data.strip():
        raise MalformedPost(path, "file is empty")
    if b"\0" in data:
        raise MalformedPost(path, "binary file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedPost(path, f"not UTF-8 text (byte offset {error.start})") from error
    return parse_post(text, path, tz=tz, links=links)


def not_a_regular_file(mode: int) -> str | None:
    """Why a file of this st_mode (from lstat) is never read as a post; None if it may be."""
    if stat.S_ISREG(mode):
        return None
    kinds = [
        (stat.S_ISLNK, "a symbolic link, not followed"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
    ]
    kind = next((kind for test, kind in kinds if test(mode)), "a device")
    return f"not a regular file ({kind})"


# Never block on open (a FIFO without a writer) and never follow a link: fstat then tells
# what was opened. O_NONBLOCK does not change reads from a regular file.
_OPEN_FILE = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
_OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _read_regular_file(root: Path, path: str) -> bytes:
    """The first MAX_POST_BYTES + 1 bytes of root/path, a regular file reached without links.

    Each step is opened relative to the folder before it with O_NOFOLLOW, so no symbolic
    link below root is followed, even one swapped in while we look: a link could lead out
    of the content folder (to /etc/shadow) or to a FIFO that would block the scan forever.
    """
    parts = PurePosixPath(path).parts
    if ".." in parts:
        raise MalformedPost(path, f"not inside the content folder {root}")
    if not parts:
        raise MalformedPost(path, "not a regular file (a folder)")
    *folders, name = parts
    folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in folders:
            mode = os.stat(part, dir_fd=folder, follow_symlinks=False).st_mode
            _check_mode(path, mode, folder_ok=True)
            inner = os.open(part, _OPEN_FOLDER, dir_fd=folder)
            os.close(folder)
            folder = inner
        _check_mode(path, os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
        descriptor = os.open(name, _OPEN_FILE, dir_fd=folder)
    finally:
        os.close(folder)
    with os.fdopen(descriptor, "rb") as stream:
        # Checked again on what was opened: the file may have been swapped since the stat.
        status = os.fstat(stream.fileno())
        _check_mode(path, status.st_mode)
        if status.st_size > MAX_POST_BYTES:
            raise MalformedPost(path, f"file is too large ({status.st_size} bytes)")
        # Read one byte past the limit: the file may have grown since fstat.
        return stream.read(MAX_POST_BYTES + 1)


def _check_mode(path: str, mode: int, *, folder_ok: bool = False) -> None:
    if folder_ok and stat.S_ISDIR(mode):
        return
    problem = not_a_regular_file(mode)
    if problem is not None:
        raise MalformedPost(path, problem)


def parse_post(
    text: str, path: str, *, tz: tzinfo = UTC, links: Permalinks = _JEKYLL_DEFAULTS
) -> Post:
    """Parse a post's text; path is its posix path relative to the content folder.

    links says how the site builds its links (its _config.yml); Jekyll's defaults otherwise.
    """
    # Editors on Windows write CRLF and a BOM; Jekyll accepts both.
    text = _scrub(text).removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    meta, body = _split(text, path)

    title = _title(meta, path)
    name = _scrub(PurePosixPath(path).stem)
    name_match = _DATED_NAME.fullmatch(name)
    slug = _scalar_text(meta.get("slug")) or (name_match["slug"] if name_match else "") or name
    when = _date(meta, name_match, path, tz)
    site_path = links.site_path(path)
    categories = _dedupe(
        [*_folder_categories(site_path), *_topic_list(meta, "categories", "category")]
    )
    tags = _dedupe(_topic_list(meta, "tags", "tag"))
    try:
        local = when.astimezone(tz)
    except (OverflowError, ValueError) as error:
        raise MalformedPost(path, f"bad date '{_shorten(str(when))}' ({error})") from error
    return Post(
        path=path,
        title=title,
        date=when,
        slug=slug,
        categories=categories,
        tags=tags,
        excerpt=_excerpt(meta, body),
        image=_image(meta.get("image")),
        author=_author(meta.get("author")),
        published=_published(meta.get("published")),
        link=_link(meta.get("permalink"), links, path, categories, local, slug),
    )


# --- front matter -------------------------------------------------------------------------

# Jekyll's rule: an opening "---" line, then YAML up to a closing "---" or "..." line.
_FRONT_MATTER = re.compile(
    r"---[ \t]*\n(?P<yaml>.*?)^(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL | re.MULTILINE
)
_OPENING = re.compile(r"---[ \t]*(?:\n|\Z)")


class _NotAMapping(Exception):
    """Front matter that parsed to something other than a mapping."""


class _JekyllYAMLLoader(yaml.SafeLoader):  # type: ignore[misc, unused-ignore]
    """A safe YAML loader that leaves timestamps as text."""


def _timestamp_as_text(loader: Any, node: Any) -> str:
    return str(loader.construct_scalar(node))


# PyYAML builds date objects itself and raises a bare ValueError for "2025-02-30";
# keeping timestamps as text lets _parse_date judge every date the same way.
_JekyllYAMLLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


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
        data = yaml.load(fm, Loader=_JekyllYAMLLoader)  # A SafeLoader: no arbitrary objects.
        if data is None:
            return {}  # An empty block: Jekyll treats it as no variables.
        if not isinstance(data, dict):
            raise _NotAMapping(_kind(data))
        return data


def _split(text: str, path: str) -> tuple[Mapping[Any, Any], str]:
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
        raise MalformedPost(path, f"bad YAML front matter: {_first_line(error)}") from error
    return meta, body


def _yaml_problem(error: Any) -> str:
    problem = getattr(error, "problem", None) or getattr(error, "context", None)
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if not problem or mark is None:
        return _first_line(error)
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return _shorten(lines[0], 200) if lines else type(error).__name__


def _kind(value: object) -> str:
    """What a YAML value is, for error messages."""
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


# --- fields -------------------------------------------------------------------------------

_SCALARS = (str, int, float)
_WHITESPACE = re.compile(r"\s+")
_KEY_SEPARATORS = re.compile(r"[\s_\-]+")
# No quote folding: the seed's "Hereâ€™s" must come back as "Here’s", not "Here's";
# no width folding: full-width CJK punctuation is meant.
_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, explain=False)


def _clean(text: str) -> str:
    """Repair mojibake and collapse whitespace."""
    return _WHITESPACE.sub(" ", ftfy.fix_text(text, _FTFY)).strip()


def _scrub(text: str) -> str:
    """text with surrogate pairs joined and lone surrogates replaced by U+FFFD."""
    # YAML's "\ud800" escapes and undecodable file names (surrogateescape) produce
    # lone surrogates, which no UTF-8 encoder (URL quoting, Telegram) accepts.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _scalar_text(value: object) -> str:
    """A YAML scalar as stripped text; "" for None, lists and mappings."""
    # bool is an int, so YAML's yes/no arrive here as True/False: Jekyll prints "true".
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _SCALARS):
        return _scrub(str(value)).strip()
    return ""


def _title(meta: Mapping[Any, Any], path: str) -> str:
    value = meta.get("title")
    if value is not None and not isinstance(value, _SCALARS):
        raise MalformedPost(path, f"title is not text (got {_kind(value)})")
    title = _clean(_scalar_text(value))
    if not title:
        raise MalformedPost(path, "missing title")
    return title


def _author(value: object) -> str | None:
    # jekyll-seo-tag style authors are mappings with a name.
    if isinstance(value, dict):
        value = value.get("name")
    return _clean(_scalar_text(value)) or None


def _image(value: object) -> str | None:
    # jekyll-seo-tag style images are mappings with a path.
    if isinstance(value, dict):
        value = value.get("path")
    return _scalar_text(value) or None


def _published(value: object) -> bool:
    if value is False:
        return False
    return not (isinstance(value, str) and value.strip().casefold() in ("false", "no"))


def _topic_list(meta: Mapping[Any, Any], plural: str, singular: str) -> list[str]:
    """Jekyll's categories/tags: plural strings split on spaces, the singular never."""
    items: list[object] = []
    for key in (plural, singular):
        value = meta.get(key)
        if isinstance(value, str):
            items.extend(value.split() if key == plural else [value])
        elif isinstance(value, list):
            items.extend(value)
        else:
            items.append(value)
    names = (_clean(_scalar_text(item)) for item in items)
    return [name for name in names if name]


def _folder_categories(path: str) -> list[str]:
    """Jekyll's categories from the folders above a _posts folder."""
    parts = PurePosixPath(path).parts[:-1]
    if "_posts" not in parts:
        return []
    return [_clean(_scrub(part)) for part in parts[: parts.index("_posts")] if part.strip()]


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# --- dates --------------------------------------------------------------------------------

_DATED_NAME = re.compile(r"(?P<date>\d{4}-\d{1,2}-\d{1,2})-(?P<slug>.*)", re.ASCII | re.DOTALL)
# ISO 8601 and what Jekyll writes: "2025-04-30 23:54:17 +0300", "2025-04-30 23:54".
_DATE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?"
    r"[ \t]*(?:(?P<utc>[Zz]|UTC|GMT)|(?P<sign>[+-])(?P<off_h>\d{1,2})(?::?(?P<off_m>\d{2}))?)?",
    re.ASCII,
)


def _date(
    meta: Mapping[Any, Any], name_match: re.Match[str] | None, path: str, tz: tzinfo
) -> datetime:
    value = meta.get("date")
    if isinstance(value, str):
        if value.strip():
            parsed = _parse_date(value, tz)
            if parsed is None:
                raise MalformedPost(path, f"bad date '{_shorten(value.strip())}'")
            return parsed
        value = None  # "date: ''" says as little as no date at all.
    if isinstance(value, _SCALARS):
        # The loader keeps YAML timestamps as text, so this is a number or a bool.
        raise MalformedPost(path, f"bad date '{_shorten(_scalar_text(value))}'")
    if value is not None:
        # Not repr(): an alias-built list can be exponentially large.
        raise MalformedPost(path, f"bad date (got {_kind(value)})")
    if name_match is not None:
        parsed = _parse_date(name_match["date"], tz)
        if parsed is None:
            raise MalformedPost(path, f"bad date '{name_match['date']}' in the file name")
        return parsed
    raise MalformedPost(path, "no date (neither in front matter nor in the file name)")


def _parse_date(text: str, tz: tzinfo) -> datetime | None:
    """The instant text names, in UTC; None when it is not a date."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None
    number = match.group
    try:
        zone: tzinfo = tz
        if match["utc"]:
            zone = UTC
        elif match["sign"]:
            offset = timedelta(hours=int(number("off_h")), minutes=int(number("off_m") or 0))
            zone = timezone(-offset if match["sign"] == "-" else offset)
        moment = datetime(
            int(number("year")),
            int(number("month")),
            int(number("day")),
            int(number("hour") or 0),
            int(number("minute") or 0),
            int(number("second") or 0),
            int((number("fraction") or "0")[:6].ljust(6, "0")),
            tzinfo=zone,
        )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        # Month 13, offset +25:00, or a year-1 date that falls before year 1 in UTC.
        return None


# --- links --------------------------------------------------------------------------------

_ABSOLUTE_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*://")
# A URL scheme as RFC 3986 spells it: "javascript:" and "C:" have one too.
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_WEB_SCHEMES = ("http", "https")
# Jekyll's URL escaping keeps unreserved, sub-delims, ":", "@" and "/".
_URL_SAFE = "/:@!$&'()*+,;=~"


def _link(
    permalink: object,
    links: Permalinks,
    path: str,
    categories: tuple[str, ...],
    when: datetime,
    slug: str,
) -> str:
    """Jekyll's URL for a post: its permalink, else the defaults', else the site's style."""
    site_path = links.site_path(path)
    template = _scalar_text(permalink) or links.default_permalink(site_path) or links.template
    try:
        return post_link(template, site_path=site_path, slug=slug, categories=categories, when=when)
    except UnknownPlaceholder as error:
        raise MalformedPost(path, f"{error} {_shorten(template)!r}") from None


def photo_url(ref: str, site_url: str) -> str | None:
    """The absolute http(s) URL an image reference names on the site at site_url, or None.

    The result becomes a photo that Telegram fetches; any other string (a local path,
    file://, javascript:) could make the Bot API client upload a file from this machine.
    """
    scheme = _SCHEME.match(ref)
    if scheme is not None and scheme[1].lower() not in _WEB_SCHEMES:
        return None
    url = _join_url(site_url, _quote_path(ref))
    return url if is_web_url(url) else None


def is_web_url(url: str) -> bool:
    """Whether url is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme.lower() in _WEB_SCHEMES and bool(host)


def _quote_path(ref: str) -> str:
    if _ABSOLUTE_URL.match(ref) or ref.startswith("//"):
        return ref
    return quote(ref, safe=_URL_SAFE + "%?#")


def _join_url(site_url: str, ref: str) -> str:
    if _ABSOLUTE_URL.match(ref):
        return ref
    if ref.startswith("//"):
        # Protocol-relative: borrow the site's scheme.
        return site_url.split("//", 1)[0] + ref if "//" in site_url else "https:" + ref
    return site_url.rstrip("/") + "/" + ref.lstrip("/")


def _relative_posix(root: Path, file: Path) -> str:
    for base, target in ((root, file), (root.absolute(), file.absolute())):
        # One of root and file may be relative to the working folder, the other not.
        try:
            return target.relative_to(base).as_posix()
        except ValueError:
            continue
    raise MalformedPost(file.as_posix(), f"not inside the content folder {root}")


# --- excerpts -----------------------------------------------------------------------------

_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# The excerpt comes from the top of the body; markdown-it is slow on pathological input
# ("[" * 10**6 takes seconds), so only this much of a body is ever rendered.
_EXCERPT_SOURCE_CHARS = 50_000
# Liquid blocks whose content is not prose: drop them whole, not just their tags.
_LIQUID_BLOCK_START = re.compile(r"\{%-?[ \t]*(comment|highlight)\b")
_LIQUID_BLOCK_END = {
    kind: re.compile(r"\{%-?\s*end" + kind + r"\s*-?%\}") for kind in ("comment", "highlight")
}
# Markup that is not text but that CommonMark would show as such: Kramdown attribute
# lists ("{: .lead}", "{:toc}") and MS Word's conditional comments in pasted HTML.
# The character classes stop at the next "{" / "<" so that unclosed ones stay linear.
_NOT_TEXT = re.compile(r"\{:[^{}\n]*\}|<!\[(?:end)?if\b[^<\]\n]*\]>", re.IGNORECASE)


def _excerpt(meta: Mapping[Any, Any], body: str) -> str:
    for key in ("excerpt", "description"):
        given = _scalar_text(meta.get(key))
        if given:
            source = _strip_liquid(given)[:_EXCERPT_SOURCE_CHARS]
            return _clean(_inline_markdown_text(source))
    separator = meta.get("excerpt_separator")
    if isinstance(separator, str) and separator and separator in body:
        head = body.split(separator, 1)[0]
        text = " ".join(text for _, text in _paragraphs(head))
        if text:
            return _clean(text)
    paragraphs = list(_paragraphs(body))
    # Prefer a paragraph of the post itself over one inside a list or a quote.
    for level, text in paragraphs:
        if level == 0:
            return _clean(text)
    return _clean(paragraphs[0][1]) if paragraphs else ""


def _strip_liquid(text: str) -> str:
    """text without Liquid tags and output; comment and highlight blocks go whole."""
    # Scanning by hand: a regex such as r"\{%.*?%\}" is quadratic on unclosed tags.
    parts: list[str] = []
    kept_from = search_from = 0
    unclosed: set[str] = set()
    while (start := _LIQUID_BLOCK_START.search(text, search_from)) is not None:
        search_from = start.end()
        kind = start[1]
        end = None if kind in unclosed else _LIQUID_BLOCK_END[kind].search(text, search_from)
        if end is None:
            unclosed.add(kind)  # No later block of this kind can be closed either.
            continue
        parts.append(text[kept_from : start.start()])
        kept_from = search_from = end.end()
    parts.append(text[kept_from:])
    return _drop_between(_drop_between("".join(parts), "{%", "%}"), "{{", "}}")


def _drop_between(text: str, opening: str, closing: str) -> str:
    """text without each opening...closing span; an unclosed opening stays."""
    parts: list[str] = []
    kept_from = 0
    while (start := text.find(opening, kept_from)) != -1:
        end = text.find(closing, start + len(opening))
        if end == -1:
            break
        parts.append(text[kept_from:start])
        kept_from = end + len(closing)
    parts.append(text[kept_from:])
    return "".join(parts)


def _paragraphs(markdown: str) -> Iterator[tuple[int, str]]:
    """(nesting level, plain text) of each paragraph with text, in order."""
    source = _NOT_TEXT.sub("", _strip_liquid(markdown)[:_EXCERPT_SOURCE_CHARS])
    tokens = _MARKDOWN.parse(source)
    for index, token in enumerate(tokens):
        texts: list[str] = []
        if token.type == "paragraph_open" and index + 1 < len(tokens):
            texts = [_inline_text(tokens[index + 1].children or [])]
        elif token.type == "html_block":
            texts = _html_paragraphs(token.content)
        for text in texts:
            if text.strip():
                yield token.level, text


def _inline_markdown_text(markdown: str) -> str:
    return "".join(_inline_text(token.children or []) for token in _MARKDOWN.parseInline(markdown))


def _inline_text(children: list[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "text_special", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak") or _is_br(child):
            parts.append(" ")
        # Images, raw HTML and emphasis/link markers carry no readable text of their own.
    return "".join(parts)


def _is_br(token: Token) -> bool:
    return token.type == "html_inline" and token.content[:3].lower() == "<br"


class _ParagraphText(HTMLParser):
    """Collects the text of each <p> element in an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] | None = None
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        elif tag == "p":
            self._finish()
            self._current = []
        elif tag == "br" and self._current is not None:
            self._current.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skipping = max(0, self._skipping - 1)
        elif tag == "p":
            self._finish()

    def handle_data(self, data: str) -> None:
        if self._current is not None and not self._skipping:
            self._current.append(data)

    def _finish(self) -> None:
        if self._current is not None:
            self.paragraphs.append("".join(self._current))
        self._current = None

    def close(self) -> None:
        super().close()
        self._finish()


def _html_paragraphs(html: str) -> list[str]:
    parser = _ParagraphText()
    parser.feed(html)
    parser.close()
    return parser.paragraphs


def _shorten(text: str, limit: int = 80) -> str:
    """text, cut for quoting in an error message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
