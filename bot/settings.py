"""Settings: one frozen object read from the environment (and a .env file) at start-up."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from dotenv import dotenv_values

from bot import settings_values as parse
from bot.domain.breaking import DEFAULT_BREAKING_TAGS
from bot.domain.git_remote import GitRemoteError, GitUrl, clone_dir, git_source
from bot.domain.permalinks import Permalinks
from bot.domain.site_config import SiteConfigError
from bot.settings_values import DatabaseUrl, Secret, SettingsError
from bot.site import load_site

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///newsbot.db"

__all__ = ["DatabaseUrl", "Secret", "Settings", "SettingsError"]


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
    # CORRECTIONS=edit: an announced post edited edits its notes sent; off leaves them.
    corrections: bool = True
    # RETRACTIONS=delete: an announced post unpublished or retracted deletes its notes sent.
    retractions: bool = True
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
            database_url=parse.database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL),
            content_dir=content_dir,
            site_url=parse.site_url(get("SITE_URL"), site),
            admin_ids=parse.admin_ids(get("ADMIN_IDS")),
            scan_interval=parse.positive_number("SCAN_INTERVAL", get("SCAN_INTERVAL"), 60.0),
            watch=parse.boolean("WATCH", get("WATCH"), default=True),
            send_rate=parse.positive_number("SEND_RATE", get("SEND_RATE"), 25.0),
            timezone=parse.timezone(get("TIMEZONE"), site),
            paid_broadcast=parse.boolean("PAID_BROADCAST", get("PAID_BROADCAST")),
            lease_seconds=parse.positive_number("LEASE_SECONDS", get("LEASE_SECONDS"), 30.0),
            max_attempts=int(
                parse.positive_number("MAX_ATTEMPTS", get("MAX_ATTEMPTS"), 5, whole=True)
            ),
            permalinks=site.permalinks if site else Permalinks(),
            site_config=Path(site.source) if site else None,
            db_wait_seconds=parse.positive_number(
                "DB_WAIT_SECONDS", get("DB_WAIT_SECONDS"), 60.0, zero_ok=True
            ),
            content_git=git.url,
            content_branch=git.branch,
            content_subdir=git.subdir,
            content_git_ssh_key=Path(key) if (key := get("CONTENT_GIT_SSH_KEY")) else None,
            data_dir=data_dir,
            wait_until_live=parse.boolean("WAIT_UNTIL_LIVE", get("WAIT_UNTIL_LIVE")),
            live_timeout=parse.positive_number("LIVE_TIMEOUT", get("LIVE_TIMEOUT"), 900.0),
            live_check_seconds=parse.positive_number(
                "LIVE_CHECK_SECONDS", get("LIVE_CHECK_SECONDS"), 15.0
            ),
            source=dict(values),
            breaking_tags=parse.breaking_tags(values.get("BREAKING_TAGS")),
            corrections=parse.switch("CORRECTIONS", get("CORRECTIONS"), "edit"),
            retractions=parse.switch("RETRACTIONS", get("RETRACTIONS"), "delete"),
            **parse.operations(get),
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
