"""The operations settings: HTTP server, webhook and hook secrets, log format, error chat."""

from __future__ import annotations

import hashlib
import logging

import pytest

from bot.redaction import hide_secrets
from bot.settings import Settings, SettingsError

TOKEN = "123456:TEST-token"


def load(**values: str) -> Settings:
    return Settings.from_mapping({"TELEGRAM_BOT_TOKEN": TOKEN, **values})


def test_defaults_serve_nothing_and_poll() -> None:
    settings = load()
    assert settings.http_port is None and settings.http_host == "127.0.0.1"
    assert settings.webhook_url == "" and settings.hook_secret is None
    assert settings.log_format == "text" and settings.error_chat is None


def test_the_default_webhook_secret_is_a_hash_of_the_token_that_telegram_accepts() -> None:
    secret = load().webhook_secret
    assert secret == hashlib.sha256(TOKEN.encode()).hexdigest()
    assert ":" not in secret and len(secret) == 64


@pytest.mark.parametrize("bad", ["has space", "colon:inside", "x" * 257, "ünïcode"])
def test_a_webhook_secret_telegram_would_refuse_stops_the_start_unechoed(bad: str) -> None:
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET must be 1-256 characters") as err:
        load(WEBHOOK_SECRET=bad)
    assert bad not in str(err.value)


def test_a_good_webhook_secret_is_kept_and_hidden_from_repr() -> None:
    settings = load(WEBHOOK_SECRET="A-z_09" * 40, HOOK_SECRET="hook-secret-value")
    assert settings.webhook_secret == "A-z_09" * 40
    shown = repr(settings)
    assert "A-z_09" not in shown and "hook-secret-value" not in shown and TOKEN not in shown


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"HTTP_PORT": "http"}, "HTTP_PORT must be a whole number, got 'http'"),
        ({"HTTP_PORT": "0"}, "HTTP_PORT must be greater than zero"),
        ({"HTTP_PORT": "70000"}, "HTTP_PORT must be a port number"),
        ({"WEBHOOK_URL": "https://bot.example/telegram"}, "WEBHOOK_URL needs HTTP_PORT"),
        ({"WEBHOOK_URL": "bot.example", "HTTP_PORT": "8080"}, "WEBHOOK_URL must be an absolute"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be text or json, got 'xml'"),
        ({"ERROR_CHAT": "@admins"}, "ERROR_CHAT must be a Telegram chat id, got '@admins'"),
    ],
)
def test_malformed_operations_settings_fail_loudly(values: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load(**values)


def test_operations_settings_are_read() -> None:
    settings = load(
        HTTP_PORT="8080",
        HTTP_HOST="0.0.0.0",
        WEBHOOK_URL="https://bot.example/telegram",
        LOG_FORMAT="JSON",
        ERROR_CHAT="-1001234567890",
    )
    assert (settings.http_host, settings.http_port) == ("0.0.0.0", 8080)
    assert settings.webhook_url == "https://bot.example/telegram"
    assert settings.log_format == "json" and settings.error_chat == -1001234567890


def test_log_lines_never_show_the_webhook_or_hook_secret(caplog: pytest.LogCaptureFixture) -> None:
    explicit = load(WEBHOOK_SECRET="explicit_webhook_secret", HOOK_SECRET="the-hook-secret")
    derived = load()
    hide_secrets(explicit)
    hide_secrets(derived)
    logging.getLogger("telegram.Bot").warning(
        "setWebhook secret_token=%s, %s; hook %s",
        explicit.webhook_secret,
        derived.webhook_secret,
        explicit.hook_secret,
    )
    assert "setWebhook secret_token=***, ***; hook ***" in caplog.text
