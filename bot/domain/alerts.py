"""Errors worth a human, sent to ERROR_CHAT: which kinds there are, and how often each may go."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.callbacks import shorten
from bot.domain.i18n import N_, _

# At most one message per kind in this time: a post failing for every chat is one message.
ALERT_INTERVAL = timedelta(minutes=10)
# The log message quoted in an alert, at most, as Telegram counts (UTF-16; its limit is 4096).
QUOTE_LIMIT = 3000


class AlertKind(StrEnum):
    """What went wrong. A log record tagged extra={"alert": kind} goes to ERROR_CHAT too."""

    DELIVERY_FAILED = "delivery_failed"  # a note Telegram refuses, or that keeps failing
    MALFORMED_POST = "malformed_post"
    CHANNEL_RIGHTS = "channel_rights"  # a channel (or group) took the bot's rights away
    GIT_FETCH = "git_fetch"  # the content repository cannot be fetched
    CONTENT_MISSING = "content_missing"


@dataclass
class AlertThrottle:
    """Lets one alert per kind through per interval; the caller passes the clock's now."""

    interval: timedelta = ALERT_INTERVAL
    _last: dict[str, datetime] = field(default_factory=dict)

    def allow(self, kind: str, now: datetime) -> bool:
        """Whether an alert of this kind may go now (and if so, counts it as sent)."""
        last = self._last.get(kind)
        if last is not None and now - last < self.interval:
            return False
        self._last[kind] = now
        return True


_TITLES = {
    AlertKind.DELIVERY_FAILED: N_("A notification could not be delivered"),
    AlertKind.MALFORMED_POST: N_("A post is malformed and was skipped"),
    AlertKind.CHANNEL_RIGHTS: N_("A channel or group took the bot's rights away"),
    AlertKind.GIT_FETCH: N_("The content repository cannot be fetched"),
    AlertKind.CONTENT_MISSING: N_("The content folder is missing"),
}


def alert_text(kind: str, message: str) -> str:
    """The HTML message ERROR_CHAT gets: what kind of trouble, and the log line, escaped."""
    title = _(_TITLES[AlertKind(kind)]) if kind in set(AlertKind) else kind
    quoted = shorten(message, QUOTE_LIMIT)  # an emoji counts twice
    more = _("More of the same in the next 10 minutes goes to the log only.")
    title, quoted, more = html.escape(title), html.escape(quoted), html.escape(more)
    return f"⚠️ <b>{title}</b>\n<pre>{quoted}</pre>\n<i>{more}</i>"
