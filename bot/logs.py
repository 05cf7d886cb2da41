"""Logging set-up, in one place: the format, quiet libraries, and secrets kept out."""

from __future__ import annotations

import logging

from bot import redaction
from bot.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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
