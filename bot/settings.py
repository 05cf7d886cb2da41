"""Settings: one frozen object read from the environment (and a .env file) at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///newsbot.db"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


class Secret(str):
    """A string that does not show itself in repr() or logs."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}('**********')"


@dataclass(frozen=True)
class Settings:
    """Everything newsbot reads from its environment."""

    token: Secret | None = None
    api_url: str = DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    content_dir: Path = Path("content")
    site_url: str = ""
    admin_ids: frozenset[int] = frozenset()
    scan_interval: float = 60.0
    send_rate: float = 25.0
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    paid_broadcast: bool = False
    lease_seconds: float = 30.0
    max_attempts: int = 5
    db_wait_seconds: float = 60.0

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
        return cls(
            token=Secret(token) if token else None,
            api_url=get("TELEGRAM_API_URL") or DEFAULT_API_URL,
            database_url=_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL),
            content_dir=Path(get("CONTENT_DIR") or "content"),
            site_url=(get("SITE_URL") or "").rstrip("/"),
            admin_ids=_admin_ids(get("ADMIN_IDS")),
            scan_interval=_positive_number("SCAN_INTERVAL", get("SCAN_INTERVAL"), 60.0),
            send_rate=_positive_number("SEND_RATE", get("SEND_RATE"), 25.0),
            timezone=_timezone(get("TIMEZONE")),
            paid_broadcast=_boolean("PAID_BROADCAST", get("PAID_BROADCAST")),
            lease_seconds=_positive_number("LEASE_SECONDS", get("LEASE_SECONDS"), 30.0),
            max_attempts=int(_positive_number("MAX_ATTEMPTS", get("MAX_ATTEMPTS"), 5, whole=True)),
            db_wait_seconds=_positive_number(
                "DB_WAIT_SECONDS", get("DB_WAIT_SECONDS"), 60.0, zero_ok=True
            ),
        )

    def require_token(self) -> Secret:
        """The bot token, or a SettingsError saying how to provide it."""
        if self.token is None:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set: put the token from @BotFather in the environment "
                "or in a .env file"
            )
        return self.token

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


def _boolean(name: str, raw: str | None) -> bool:
    if raw is None:
        return False
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


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


def _timezone(raw: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(raw or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"TIMEZONE must be an IANA zone name such as Europe/Berlin, got {raw!r}"
        ) from None


_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
}


def _database_url(raw: str) -> str:
    """Accept plain sqlite:/postgresql: URLs too, and name the async driver for them."""
    scheme, sep, rest = raw.partition("://")
    if not sep or not rest:
        raise SettingsError(
            f"DATABASE_URL must look like sqlite+aiosqlite:///newsbot.db or "
            f"postgresql+asyncpg://user:password@host/db, got {raw!r}"
        )
    scheme = _DRIVERS.get(scheme, scheme)
    if scheme not in {"sqlite+aiosqlite", "postgresql+asyncpg"}:
        raise SettingsError(
            f"DATABASE_URL must use sqlite+aiosqlite or postgresql+asyncpg, got {scheme!r}"
        )
    return f"{scheme}://{rest}"
