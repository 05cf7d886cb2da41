"""Settings: one frozen object read from the environment (and a .env file) at start-up."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.domain.breaking import DEFAULT_BREAKING_TAGS, breaking_keys
from bot.domain.git_remote import GitRemoteError, GitUrl, clone_dir, git_source
from bot.domain.permalinks import Permalinks
from bot.domain.site_config import SiteConfig, SiteConfigError
from bot.site import load_site

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///newsbot.db"


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


@dataclass(frozen=True)
class Settings:
    """Everything newsbot reads from its environment."""

    token: Secret | None = None
    api_url: str = DEFAULT_API_URL
    database_url: DatabaseUrl = DatabaseUrl(DEFAULT_DATABASE_URL)
    content_dir: Path = Path("content")
    site_url: str = ""
    admin_ids: frozenset[int] = frozenset()
    scan_interval: float = 60.0
    # Scan as soon as files change under CONTENT_DIR (file events), not only every SCAN_INTERVAL.
    watch: bool = True
    send_rate: float = 25.0
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    paid_broadcast: bool = False
    lease_seconds: float = 30.0
    max_attempts: int = 5
    # From the site's _config.yml when CONTENT_DIR is a Jekyll site; Jekyll's defaults if not.
    permalinks: Permalinks = field(default_factory=Permalinks)
    site_config: Path | None = None
    db_wait_seconds: float = 60.0
    # Posts from a git repository: a clone in DATA_DIR (CONTENT_DIR is then that clone's
    # CONTENT_SUBDIR); an empty branch means the remote's default branch.
    content_git: GitUrl | None = None
    content_branch: str = ""
    content_subdir: str = ""
    content_git_ssh_key: Path | None = None
    data_dir: Path = Path("data")
    # Announce a due post only once its page answers 200 (checked every LIVE_CHECK_SECONDS,
    # for up to LIVE_TIMEOUT seconds, then announced anyway).
    wait_until_live: bool = False
    live_timeout: float = 900.0
    live_check_seconds: float = 15.0
    # The values these settings were read from: read again once a git clone exists (its
    # _config.yml). Not compared, not shown.
    source: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    # Topic keys that make a post breaking news (BREAKING_TAGS, comma-separated names).
    breaking_tags: frozenset[str] = DEFAULT_BREAKING_TAGS
    # The HTTP server (bot/web/): health, metrics, the webhook and the publish hook.
    http_host: str = "127.0.0.1"
    http_port: int | None = None
    webhook_url: str = ""
    webhook_secret_set: Secret | None = None
    hook_secret: Secret | None = None
    log_format: str = "text"
    error_chat: int | None = None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, env_file: Path | None = Path(".env")
    ) -> Settings:
        """Read settings from `environ` (default: os.environ) over the values in `env_file`."""
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> Settings:
        """Build settings from a plain mapping of variable names to strings (tests pass a dict)."""

        def get(name: str) -> str | None:
            value = values.get(name, "").strip()
            return value or None

        token = get("TELEGRAM_BOT_TOKEN")
        data_dir = Path(get("DATA_DIR") or "data")
        try:
            git = git_source(get("CONTENT_GIT"), get("CONTENT_BRANCH"), get("CONTENT_SUBDIR"))
        except GitRemoteError as error:
            raise SettingsError(str(error)) from None
        content_dir = Path(get("CONTENT_DIR") or "content")
        if git.url is not None:
            content_dir = clone_dir(data_dir) / git.subdir
        try:
            site = load_site(content_dir)
        except SiteConfigError as error:
            raise SettingsError(f"CONTENT_DIR: {error}") from None
        return cls(
            token=Secret(token) if token else None,
            api_url=get("TELEGRAM_API_URL") or DEFAULT_API_URL,
            database_url=_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL),
            content_dir=content_dir,
            site_url=_site_url(get("SITE_URL"), site),
            admin_ids=_admin_ids(get("ADMIN_IDS")),
            scan_interval=_positive_number("SCAN_INTERVAL", get("SCAN_INTERVAL"), 60.0),
            watch=_boolean("WATCH", get("WATCH"), default=True),
            send_rate=_positive_number("SEND_RATE", get("SEND_RATE"), 25.0),
            timezone=_timezone(get("TIMEZONE"), site),
            paid_broadcast=_boolean("PAID_BROADCAST", get("PAID_BROADCAST")),
            lease_seconds=_positive_number("LEASE_SECONDS", get("LEASE_SECONDS"), 30.0),
            max_attempts=int(_positive_number("MAX_ATTEMPTS", get("MAX_ATTEMPTS"), 5, whole=True)),
            permalinks=site.permalinks if site else Permalinks(),
            site_config=Path(site.source) if site else None,
            db_wait_seconds=_positive_number(
                "DB_WAIT_SECONDS", get("DB_WAIT_SECONDS"), 60.0, zero_ok=True
            ),
            content_git=git.url,
            content_branch=git.branch,
            content_subdir=git.subdir,
            content_git_ssh_key=Path(key) if (key := get("CONTENT_GIT_SSH_KEY")) else None,
            data_dir=data_dir,
            wait_until_live=_boolean("WAIT_UNTIL_LIVE", get("WAIT_UNTIL_LIVE")),
            live_timeout=_positive_number("LIVE_TIMEOUT", get("LIVE_TIMEOUT"), 900.0),
            live_check_seconds=_positive_number(
                "LIVE_CHECK_SECONDS", get("LIVE_CHECK_SECONDS"), 15.0
            ),
            source=dict(values),
            breaking_tags=_breaking_tags(values.get("BREAKING_TAGS")),
            **_operations(get),
        )

    def reread(self) -> Settings:
        """The same settings read again: a git clone that now exists may hold _config.yml."""
        return Settings.from_mapping(self.source) if self.source else self

    def require_token(self) -> Secret:
        """The bot token, or a SettingsError saying how to provide it."""
        if self.token is None:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set: put the token from @BotFather in the environment "
                "or in a .env file"
            )
        return self.token

    def require_site_url(self) -> str:
        """SITE_URL (or the site's url), or a SettingsError: links must not be relative."""
        if not self.site_url:
            where = f" and {self.site_config} has no `url`" if self.site_config else ""
            raise SettingsError(
                f"SITE_URL is not set{where}: post links would be relative; set SITE_URL "
                "to the site's address, e.g. SITE_URL=https://news.example.com"
            )
        return self.site_url

    @property
    def webhook_secret(self) -> Secret:
        """WEBHOOK_SECRET, else the SHA-256 of the token in hex (Telegram refuses its colon)."""
        if self.webhook_secret_set is not None:
            return self.webhook_secret_set
        token = self.require_token()
        return Secret(hashlib.sha256(token.encode()).hexdigest())

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is an SQLite file (one process only)."""
        return self.database_url.startswith("sqlite")


def _positive_number(
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


def _boolean(name: str, raw: str | None, *, default: bool = False) -> bool:
    if raw is None:
        return default
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _breaking_tags(raw: str | None) -> frozenset[str]:
    """BREAKING_TAGS: comma-separated topic names; unset means `breaking`, empty means none."""
    if raw is None:
        return DEFAULT_BREAKING_TAGS
    return breaking_keys(raw.split(","))


def _admin_ids(raw: str | None) -> frozenset[int]:
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


def _timezone(raw: str | None, site: SiteConfig | None) -> ZoneInfo:
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


def _site_url(raw: str | None, site: SiteConfig | None) -> str:
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


def _database_url(raw: str) -> DatabaseUrl:
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


def _operations(get: Callable[[str], str | None]) -> dict[str, Any]:
    """HTTP_HOST, HTTP_PORT, WEBHOOK_URL, WEBHOOK_SECRET, HOOK_SECRET, LOG_FORMAT, ERROR_CHAT."""
    port = get("HTTP_PORT")
    http_port = None
    if port is not None:
        http_port = int(_positive_number("HTTP_PORT", port, 0, whole=True))
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
