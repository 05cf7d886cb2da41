"""Parsing a post's text into a Post, as Jekyll reads it: fields, dates, link."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import PurePosixPath
from typing import Any

from bot.domain.permalinks import Permalinks, UnknownPlaceholder, post_link
from bot.domain.posts.excerpts import excerpt
from bot.domain.posts.front_matter import split
from bot.domain.posts.model import MalformedPost, Post
from bot.domain.values import SCALARS, clean, clip, kind_of, scalar_text, scrub

_JEKYLL_DEFAULTS = Permalinks()


def parse_post(
    text: str, path: str, *, tz: tzinfo = UTC, links: Permalinks = _JEKYLL_DEFAULTS
) -> Post:
    """Parse a post's text; path is its posix path relative to the content folder.

    links says how the site builds its links (its _config.yml); Jekyll's defaults otherwise.
    """
    # Editors on Windows write CRLF and a BOM; Jekyll accepts both.
    text = scrub(text).removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    meta, body = split(text, path)

    title = _title(meta, path)
    name = scrub(_stem(path))
    name_match = _DATED_NAME.fullmatch(name)
    slug = scalar_text(meta.get("slug")) or (name_match["slug"] if name_match else "") or name
    when = _date(meta, name_match, path, tz)
    site_path = links.site_path(path)
    categories = _dedupe(
        [*_folder_categories(site_path), *_topic_list(meta, "categories", "category")]
    )
    tags = _dedupe(_topic_list(meta, "tags", "tag"))
    try:
        local = when.astimezone(tz)
    except (OverflowError, ValueError) as error:
        raise MalformedPost(path, f"bad date '{clip(str(when))}' ({error})") from error
    return Post(
        path=path,
        title=title,
        date=when,
        slug=slug,
        categories=categories,
        tags=tags,
        excerpt=excerpt(meta, body),
        image=_image(meta.get("image")),
        author=_author(meta.get("author")),
        published=_published(meta.get("published")),
        retracted=_flag(meta.get("retracted")),
        link=_link(meta.get("permalink"), links, path, categories, local, slug),
        breaking=_flag(meta.get("breaking")),
    )


def _title(meta: Mapping[Any, Any], path: str) -> str:
    value = meta.get("title")
    if value is not None and not isinstance(value, SCALARS):
        raise MalformedPost(path, f"title is not text (got {kind_of(value)})")
    title = clean(scalar_text(value))
    if not title:
        raise MalformedPost(path, "missing title")
    return title


def _author(value: object) -> str | None:
    # jekyll-seo-tag style authors are mappings with a name.
    if isinstance(value, dict):
        value = value.get("name")
    return clean(scalar_text(value)) or None


def _image(value: object) -> str | None:
    # jekyll-seo-tag style images are mappings with a path.
    if isinstance(value, dict):
        value = value.get("path")
    return scalar_text(value) or None


def _published(value: object) -> bool:
    if value is False:
        return False
    return not (isinstance(value, str) and value.strip().casefold() in ("false", "no"))


def _flag(value: object) -> bool:
    """A yes/no front-matter field that is off unless set: `true`, `yes` (any case)."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().casefold() in ("true", "yes")


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
    names = (clean(scalar_text(item)) for item in items)
    return [name for name in names if name]


def _folder_categories(path: str) -> list[str]:
    """Jekyll's categories from the folders above a _posts folder."""
    parts = path_parts(path)[:-1]
    if "_posts" not in parts:
        return []
    return [clean(scrub(part)) for part in parts[: parts.index("_posts")] if part.strip()]


def path_parts(path: str) -> tuple[str, ...]:
    """PurePosixPath(path).parts, without building the path for a plain relative one."""
    parts = path.split("/")
    if "" in parts or "." in parts:  # "/a", "a//b", "a/", "./a": PurePosixPath normalises
        return PurePosixPath(path).parts
    return tuple(parts)


def _stem(path: str) -> str:
    """PurePosixPath(path).stem, the same way."""
    parts = path.split("/")
    if "" in parts or "." in parts:
        return PurePosixPath(path).stem
    name = parts[-1]
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


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
                raise MalformedPost(path, f"bad date '{clip(value.strip())}'")
            return parsed
        value = None  # "date: ''" says as little as no date at all.
    if isinstance(value, SCALARS):
        # The loader keeps YAML timestamps as text, so this is a number or a bool.
        raise MalformedPost(path, f"bad date '{clip(scalar_text(value))}'")
    if value is not None:
        # Not repr(): an alias-built list can be exponentially large.
        raise MalformedPost(path, f"bad date (got {kind_of(value)})")
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
    year, month, day, hour, minute, second, fraction, utc, sign, off_h, off_m = match.groups()
    try:
        zone = UTC if utc else _offset_zone(sign, off_h, off_m or "0") if sign else tz
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=zone,
        )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        # Month 13, offset +25:00, or a year-1 date that falls before year 1 in UTC.
        return None


@functools.lru_cache(maxsize=256)  # a site's posts share a few offsets
def _offset_zone(sign: str, hours: str, minutes: str) -> tzinfo:
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-offset if sign == "-" else offset)


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
    template = scalar_text(permalink) or links.default_permalink(site_path) or links.template
    try:
        return post_link(template, site_path=site_path, slug=slug, categories=categories, when=when)
    except UnknownPlaceholder as error:
        raise MalformedPost(path, f"{error} {clip(template)!r}") from None
