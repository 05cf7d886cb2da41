"""A Jekyll site's _config.yml: what it says about links and time (parsing only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml  # type: ignore[import-untyped, unused-ignore]

from bot.domain.permalinks import (
    DEFAULT_TEMPLATE,
    Permalinks,
    ScopedPermalink,
    UnknownPlaceholder,
    check_template,
    style_template,
)

__all__ = ["CONFIG_NAMES", "MAX_CONFIG_BYTES", "SiteConfig", "SiteConfigError", "parse"]

# Jekyll reads the first of these that exists (TOML is not supported here).
CONFIG_NAMES = ("_config.yml", "_config.yaml")
# A real _config.yml is a few KiB; the pure-Python YAML parser needs seconds per 100 KiB.
MAX_CONFIG_BYTES = 256 * 1024
# libyaml's loader where PyYAML was built with it: ten times faster on a large config.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SiteConfigError(ValueError):
    """The site's _config.yml cannot be used; the message names the file."""


@dataclass(frozen=True)
class SiteConfig:
    """What newsbot takes from a Jekyll site's _config.yml."""

    source: str
    url: str = ""  # url + baseurl, "" when the config has no url
    timezone: str | None = None
    permalinks: Permalinks = field(default_factory=Permalinks)


def parse(text: str, *, source: str, content_path: str = "") -> SiteConfig:
    """Read _config.yml text; content_path is CONTENT_DIR relative to the site, posix."""
    try:
        data = yaml.load(text, Loader=_LOADER)  # a safe loader: no arbitrary objects
    except yaml.YAMLError as error:
        raise SiteConfigError(f"{source} is not valid YAML: {_first_line(error)}") from error
    except RecursionError as error:
        raise SiteConfigError(f"{source} is not valid YAML: nested too deeply") from error
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SiteConfigError(f"{source} is not a mapping of settings")
    collections_dir = _text(data.get("collections_dir")).strip("/")
    template = _posts_template(data)
    defaults = tuple(_defaults(data.get("defaults"), collections_dir))
    for permalink in [template, *(d.permalink for d in defaults if d.permalink)]:
        try:
            check_template(permalink)
        except UnknownPlaceholder as error:
            raise SiteConfigError(f"{source}: {error} {permalink!r}") from None
    return SiteConfig(
        source=source,
        url=_site_url(data),
        timezone=_text(data.get("timezone")) or None,
        permalinks=Permalinks(
            template=template,
            defaults=defaults,
            prefix=_prefix(content_path, collections_dir),
        ),
    )


def _text(value: object) -> str:
    """A YAML scalar as stripped text; "" for null, lists, mappings and booleans."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value).strip()


def _site_url(data: dict[Any, Any]) -> str:
    url = _text(data.get("url")).rstrip("/")
    if not url:
        return ""
    # Jekyll's absolute_url: url, then baseurl with one leading and no trailing slash.
    baseurl = _text(data.get("baseurl")).strip("/")
    return f"{url}/{baseurl}" if baseurl else url


def _posts_template(data: dict[Any, Any]) -> str:
    """The posts collection's template: collections.posts.permalink, else the site's style."""
    collections = data.get("collections")
    if isinstance(collections, dict):
        posts = collections.get("posts")
        if isinstance(posts, dict) and _text(posts.get("permalink")):
            return _text(posts.get("permalink"))
    style = _text(data.get("permalink"))
    return style_template(style) if style else DEFAULT_TEMPLATE


def _defaults(sets: object, collections_dir: str) -> list[ScopedPermalink]:
    """Every valid front-matter defaults set, with its permalink if it gives one.

    Sets without a permalink are kept too: in Jekyll they still take precedence over
    earlier, less specific ones.
    """
    if not isinstance(sets, list):
        return []
    found = []
    for entry in sets:
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict):
            continue  # Jekyll warns and skips an invalid set.
        scope = entry.get("scope")
        scope = scope if isinstance(scope, dict) else {}
        path = scope.get("path")
        path = path if isinstance(path, str) else ""
        if collections_dir and path.startswith(collections_dir + "/"):
            path = path.removeprefix(collections_dir + "/")
        kind = _text(scope.get("type")) or None
        found.append(ScopedPermalink(_text(entry["values"].get("permalink")), path, kind))
    return found


def _prefix(content_path: str, collections_dir: str) -> str:
    """CONTENT_DIR relative to the collections folder, where post paths start."""
    path = content_path.strip("/")
    if collections_dir and (path == collections_dir or path.startswith(collections_dir + "/")):
        path = path.removeprefix(collections_dir).strip("/")
    return path


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:200] if lines else type(error).__name__
