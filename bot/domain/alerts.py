"""Errors worth a human, sent to ERROR_CHAT: which kinds there are, and how often each may go."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

# At most one message per kind in this time: a post failing for every chat is one message.
ALERT_INTERVAL = timedelta(minutes=10)


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
