"""Secrets out of logs: a filter on the log handlers that blanks them in every record."""

from __future__ import annotations

import logging
from urllib.parse import unquote

from bot.settings import Settings

MASK = "***"
# Shorter "secrets" would blank ordinary words all over the log and protect nothing.
MIN_SECRET = 4


class SecretFilter(logging.Filter):
    """Replaces each hidden secret in a record's message, arguments and traceback with ***.

    Installed on the handlers, not the loggers: a handler sees every record that reaches
    it, whichever library (PTB, httpx, SQLAlchemy, APScheduler) logged it, at any level.
    """

    def __init__(self) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()

    def hide(self, *secrets: str | None) -> None:
        """Blank these strings in every record from now on."""
        found = {*self._secrets, *(s for s in secrets if s and len(s) >= MIN_SECRET)}
        # Longest first, so a secret that contains another is blanked whole.
        self._secrets = tuple(sorted(found, key=len, reverse=True))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: the handler reports it as usual
            return True
        # The formatted message replaces msg and args: arguments are where URLs and reprs go.
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


SECRETS = SecretFilter()


def install() -> None:
    """Put the filter on every handler of the root logger (the one logging set-up)."""
    for handler in logging.getLogger().handlers:
        if SECRETS not in handler.filters:
            handler.addFilter(SECRETS)


def hide_secrets(settings: Settings) -> None:
    """Keep the token, DB password, hooks' secrets and CONTENT_GIT's credentials out of logs."""
    token = settings.token
    if token:
        # The secret part alone too: a URL may spell the colon "%3A".
        SECRETS.hide(token, token.partition(":")[2])
    # The webhook's and the publish hook's secrets (the default webhook secret is a hash).
    SECRETS.hide(settings.webhook_secret_set, settings.hook_secret)
    if token:
        SECRETS.hide(settings.webhook_secret)
    for password in settings.database_url.passwords:
        SECRETS.hide(password, unquote(password))
    if settings.content_git is not None:
        SECRETS.hide(*settings.content_git.secrets)
    install()
