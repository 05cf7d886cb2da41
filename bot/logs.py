"""Logging set-up, in one place: the format, quiet libraries, and secrets kept out."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from bot import redaction
from bot.domain.broadcasts import BroadcastInfo, Progress
from bot.domain.scans import Announcement
from bot.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# One line per announced post and per finished broadcast, for the operator (and log search).
activity = logging.getLogger("bot.activity")
# The LogRecord's own attributes: everything else on a record came from `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, exception, and the extras.

    The secret filter has already blanked the message and the traceback; string extras are
    blanked here too.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                if isinstance(value, str):
                    value = redaction.SECRETS.redact(value)
                elif not isinstance(value, int | float | bool | None):
                    value = redaction.SECRETS.redact(str(value))
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = redaction.SECRETS.redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = redaction.SECRETS.redact(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def log_announced(post: Announcement) -> None:
    """The line for a post whose notes were queued."""
    activity.info(
        "announced %s (%s) to %d chats",
        post.path,
        post.url,
        post.recipients,
        extra={
            "event": "announced",
            "file": post.path,
            "link": post.url,
            "recipients": post.recipients,
        },
    )


def log_broadcast(info: BroadcastInfo, progress: Progress) -> None:
    """The line for a finished broadcast: who sent it, to whom, and how it went."""
    who = f"admin {info.admin_id}" if info.admin_id else "the command line"
    audience = f"followers of {info.topic}" if info.topic else "every active chat"
    activity.info(
        "broadcast %d by %s to %s: %d chats, %d sent, %d blocked, %d failed",
        info.id,
        who,
        audience,
        progress.total,
        progress.sent,
        progress.blocked,
        progress.failed,
        extra={
            "event": "broadcast",
            "broadcast": info.id,
            "admin": info.admin_id,
            "topic": info.topic,
            "audience": progress.total,
            "sent": progress.sent,
            "blocked": progress.blocked,
            "failed": progress.failed,
        },
    )


def configure_logging(settings: Settings | None = None, *, verbose: bool | None = None) -> None:
    """Set up logging; safe to call again (the CLI does, then `run` and `worker` do).

    With `verbose` given, this process owns logging (the CLI): a root handler with our
    format, DEBUG or INFO. Without it (an in-process run, as in tests) the host's handlers
    and levels stay. Either way httpx stays at WARNING, since it logs each request URL and
    every Bot API URL contains the token, and the redaction filter blanks the token and
    the database password of `settings` in whatever else logs them.
    """
    if verbose is not None:
        logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format=FORMAT)
        if settings is not None and settings.log_format == "json":
            for handler in logging.getLogger().handlers:
                handler.setFormatter(JsonFormatter())
        # Alembic reports its context ("Context impl SQLiteImpl.") at INFO on every check.
        noisy = ["apscheduler", "telegram.ext.ExtBot", *([] if verbose else ["alembic"])]
        for name in noisy:
            logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # Every line any library logs passes through the root handlers, and so through the filter.
    redaction.install()
    if settings is not None:
        redaction.hide_secrets(settings)
