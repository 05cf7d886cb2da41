"""The settings' values: SettingsError, secrets and database URLs that hide themselves, and the
parsers that read each variable, failing loudly on a malformed one."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.breaking import DEFAULT_BREAKING_TAGS, breaking_keys
from bot.domain.site_config import SiteConfig


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


class Secret(str):
    """A string that does not show itself in repr() or logs."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}('**********')"


# The userinfo of a URL as SQLAlchemy reads it (sqlalchemy.engine.url._parse_url).
_USERINFO = re.compile(r"(?P<head>[\w+]+://[^:/]*:)(?P<password>[^@]*)(?=@)")
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)(?P<password>[^&]*)")


class DatabaseUrl(str):
    """A database URL that hides its password from repr() (and so from logs)."""

    @property
    def passwords(self) -> tuple[str, ...]:
        """The passwords in the URL (userinfo, ?password=) as written, maybe %-encoded."""
        matches = [_USERINFO.match(self), *_QUERY_PASSWORD.finditer(self)]
        return tuple(m["password"] for m in matches if m is not None and m["password"])

    @property
    def redacted(self) -> str:
        """The URL with *** for its password, for showing to people."""
        hidden = _USERINFO.sub(r"\g<head>***", str(self), count=1)
        return _QUERY_PASSWORD.sub(r"\g<head>***", hidden)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.redacted!r})"


def positive_number(
    name: str, raw: str | None, default: float, *, whole: bool = False, zero_ok: bool = False
) -> float:
    if raw is None:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise SettingsError(f"{name} must be {kind}, got {raw!r}") from None
    if zero_ok and value == 0:
        return value
    if not value > 0 or value == float("inf"):
        least = "zero or more" if zero_ok else "greater than zero"
        raise SettingsError(f"{name} must be {least}, got {raw!r}")
    return value


def boolean(name: str, raw: str | None, *, default: bool = False) -> bool:
    if raw is None:
        return default
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def switch(name: str, raw: str | None, on: str) -> bool:
    """A setting that is `on` (the default) or `off`."""
    if raw is None or raw.lower() == on:
        return True
    if raw.lower() == "off":
        return False
    raise SettingsError(f"{name} must be {on} or off, got {raw!r}")


def breaking_tags(raw: str | None) -> frozenset[str]:
    """BREAKING_TAGS: comma-separated topic names; unset means `breaking`, empty means none."""
    if raw is None:
        return DEFAULT_BREAKING_TAGS
    return breaking_keys(raw.split(","))


def admin_ids(raw: str | None) -> frozenset[int]:
    if raw is None:
        return frozenset()
    ids = set()
    for part in raw.replace(" ", ",").split(","):
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise SettingsError(
                f"ADMIN_IDS must be comma-separated Telegram user ids, got {part!r}"
            ) from None
    return frozenset(ids)


def timezone(raw: str | None, site: SiteConfig | None) -> ZoneInfo:
    """TIMEZONE, else the site's `timezone`, else UTC."""
    name = "TIMEZONE"
    if raw is None and site is not None and site.timezone:
        name, raw = f"timezone in {site.source}", site.timezone
    try:
        return ZoneInfo(raw or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"{name} must be an IANA zone name such as Europe/Berlin, got {raw!r}"
        ) from None


_ABSOLUTE_HTTP = re.compile(r"https?://[^/?#\s]+(?:/\S*)?", re.IGNORECASE)


def site_url(raw: str | None, site: SiteConfig | None) -> str:
    """SITE_URL, else the site's url + baseurl; "" when neither is given."""
    name = "SITE_URL"
    if raw is None and site is not None and site.url:
        name, raw = f"url (with baseurl) in {site.source}", site.url
    if raw is None:
        return ""
    if not _ABSOLUTE_HTTP.fullmatch(raw):
        raise SettingsError(
            f"{name} must be an absolute http(s) address such as https://news.example.com, "
            f"got {raw!r}"
        )
    return raw.rstrip("/")


_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
}


def database_url(raw: str) -> DatabaseUrl:
    """Accept plain sqlite:/postgresql: URLs too, and name the async driver for them."""
    scheme, sep, rest = raw.partition("://")
    if not sep or not rest:
        # Not echoed when it may hold a password ("user:password@host" without a scheme).
        shown = "a value with a password" if "@" in raw else repr(raw)
        raise SettingsError(
            f"DATABASE_URL must look like sqlite+aiosqlite:///newsbot.db or "
            f"postgresql+asyncpg://user:password@host/db, got {shown}"
        )
    scheme = _DRIVERS.get(scheme, scheme)
    if scheme not in {"sqlite+aiosqlite", "postgresql+asyncpg"}:
        raise SettingsError(
            f"DATABASE_URL must use sqlite+aiosqlite or postgresql+asyncpg, got {scheme!r}"
        )
    url = f"{scheme}://{rest}"
    if scheme != "sqlite+aiosqlite" and not _authority_is_clear(url):
        # Never echoed: the part that does not parse is likely the password.
        raise SettingsError(
            "DATABASE_URL is not a valid URL: write '@', ':' and '/' in the user name or "
            "password as %40, %3A and %2F"
        )
    return DatabaseUrl(url)


def _authority_is_clear(url: str) -> bool:
    """Whether url has one user:password@host:port part that every parser reads the same way.

    A raw "@" in a password makes the password regex, SQLAlchemy and urllib disagree on where
    it ends: the redaction would hide only part of it, and the driver would fail on the rest.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return parts.netloc.count("@") <= 1


# Telegram's rule for setWebhook's secret_token.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
LOG_FORMATS = ("text", "json")


def operations(get: Callable[[str], str | None]) -> dict[str, Any]:
    """HTTP_HOST, HTTP_PORT, WEBHOOK_URL, WEBHOOK_SECRET, HOOK_SECRET, LOG_FORMAT, ERROR_CHAT."""
    port = get("HTTP_PORT")
    http_port = None
    if port is not None:
        http_port = int(positive_number("HTTP_PORT", port, 0, whole=True))
        if http_port > 65535:
            raise SettingsError(f"HTTP_PORT must be a port number (1-65535), got {port!r}")
    webhook_url = get("WEBHOOK_URL") or ""
    if webhook_url:
        if not _ABSOLUTE_HTTP.fullmatch(webhook_url):
            raise SettingsError(
                f"WEBHOOK_URL must be an absolute http(s) address such as "
                f"https://bot.example.com/telegram, got {webhook_url!r}"
            )
        if http_port is None:
            raise SettingsError(
                "WEBHOOK_URL needs HTTP_PORT: the port newsbot listens on for Telegram's updates"
            )
    secret = get("WEBHOOK_SECRET")
    if secret is not None and not _WEBHOOK_SECRET.fullmatch(secret):
        # Not echoed: it is a secret, even a malformed one.
        raise SettingsError(
            "WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)"
        )
    hook_secret = get("HOOK_SECRET")
    log_format = (get("LOG_FORMAT") or "text").lower()
    if log_format not in LOG_FORMATS:
        raise SettingsError(f"LOG_FORMAT must be text or json, got {get('LOG_FORMAT')!r}")
    error_chat = get("ERROR_CHAT")
    try:
        chat = int(error_chat) if error_chat is not None else None
    except ValueError:
        raise SettingsError(f"ERROR_CHAT must be a Telegram chat id, got {error_chat!r}") from None
    return {
        "http_host": get("HTTP_HOST") or "127.0.0.1",
        "http_port": http_port,
        "webhook_url": webhook_url,
        "webhook_secret_set": Secret(secret) if secret else None,
        "hook_secret": Secret(hook_secret) if hook_secret else None,
        "log_format": log_format,
        "error_chat": chat,
    }
