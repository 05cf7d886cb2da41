"""Absolute URLs on the site, and which strings may become a photo Telegram fetches."""

from __future__ import annotations

import functools
import re
from urllib.parse import quote, urlsplit

_ABSOLUTE_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*://")
# A URL scheme as RFC 3986 spells it: "javascript:" and "C:" have one too.
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_WEB_SCHEMES = ("http", "https")
# Jekyll's URL escaping keeps unreserved, sub-delims, ":", "@" and "/".
_URL_SAFE = "/:@!$&'()*+,;=~"


def photo_url(ref: str, site_url: str) -> str | None:
    """The absolute http(s) URL an image reference names on the site at site_url, or None.

    The result becomes a photo that Telegram fetches; any other string (a local path,
    file://, javascript:) could make the Bot API client upload a file from this machine.
    """
    scheme = _SCHEME.match(ref)
    if scheme is not None and scheme[1].lower() not in _WEB_SCHEMES:
        return None
    url = join_url(site_url, quote_path(ref))
    if scheme is None and not ref.startswith("//"):
        # A path on the site: the URL's scheme and host are the site's whatever the path.
        return url if _is_web_site(site_url) else None
    return url if is_web_url(url) else None


@functools.lru_cache(maxsize=16)
def _is_web_site(site_url: str) -> bool:
    """is_web_url of site_url with any path on it (as join_url appends one)."""
    return is_web_url(join_url(site_url, ""))


def is_web_url(url: str) -> bool:
    """Whether url is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme.lower() in _WEB_SCHEMES and bool(host)


def quote_path(ref: str) -> str:
    if _ABSOLUTE_URL.match(ref) or ref.startswith("//"):
        return ref
    return quote(ref, safe=_URL_SAFE + "%?#")


def join_url(site_url: str, ref: str) -> str:
    if _ABSOLUTE_URL.match(ref):
        return ref
    if ref.startswith("//"):
        # Protocol-relative: borrow the site's scheme.
        return site_url.split("//", 1)[0] + ref if "//" in site_url else "https:" + ref
    return site_url.rstrip("/") + "/" + ref.lstrip("/")
