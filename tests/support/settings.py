"""A test bot's settings: the fake Bot API, a given database and content folder, quick timings."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings
from tests.support.fake_telegram import FakeTelegram


def environment_for(
    fake: FakeTelegram, database_url: str, content: Path, **extra: str
) -> dict[str, str]:
    """The settings of a test bot, as environment variables."""
    values = {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.base_url,
        "DATABASE_URL": database_url,
        "CONTENT_DIR": str(content),
        "SITE_URL": "https://news.example",
        "SCAN_INTERVAL": "0.2",
        "SEND_RATE": "200",
        "LEASE_SECONDS": "3",
    }
    values.update(extra)
    return values


def settings_for(fake: FakeTelegram, database_url: str, content: Path, **extra: str) -> Settings:
    """The settings of a test bot, read as the bot reads its environment."""
    return Settings.from_mapping(environment_for(fake, database_url, content, **extra))
