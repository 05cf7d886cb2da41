"""What the bot says about illustrated, scheduled and test broadcasts (the rest: texts)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.broadcasts import BroadcastInfo
from bot.domain.callbacks import shorten
from bot.domain.i18n import N_, _
from bot.domain.notes import telegram_length
from bot.domain.replies import bounded_list
from bot.domain.scheduling import MAX_DAYS_AHEAD, local_time

# A photo's caption holds at most 1024 characters: this leaves room for the preview's lines.
BROADCAST_CAPTION_LIMIT = 800
SEND_TO_ME = N_("Send to me first")
SENT_TO_YOU = N_("Sent to you alone: check it, then press Send.")
NO_SCHEDULED = N_("No broadcast is scheduled.")
UNSCHEDULED = N_("Cancelled: it will not be sent.")
NOT_SCHEDULED_ANY_MORE = N_("That broadcast is no longer scheduled.")
BAD_TIME = N_(
    "I can't read that time. Write it as /broadcast at YYYY-MM-DD HH:MM [#topic] TEXT, "
    "for example /broadcast at 2026-12-24 18:00 Merry Christmas!"
)


def caption_problem(text: str) -> str | None:
    """Why a photo broadcast's caption cannot go; None when it can."""
    length = telegram_length(text)
    if length <= BROADCAST_CAPTION_LIMIT:
        return None
    return _(
        "That caption is {length} characters; a broadcast with a photo can have at most {limit}."
    ).format(length=length, limit=BROADCAST_CAPTION_LIMIT)


def time_problem(when: datetime | None, now: datetime, zone: ZoneInfo) -> str | None:
    """Why a broadcast cannot be scheduled at `when`; None when it can."""
    if when is None:
        return _(BAD_TIME)
    if when <= now:
        return _("{when} has passed: give a time to come.").format(when=local_time(when, zone))
    if (when - now).days > MAX_DAYS_AHEAD:
        return _("That is more than a year ahead: give a nearer time.")
    return None


def scheduled_line(when: datetime, zone: ZoneInfo) -> str:
    """Under the preview of a broadcast with a start time."""
    return _("<i>Scheduled: Send makes it wait until {when}.</i>").format(
        when=html.escape(local_time(when, zone))
    )


def scheduled_for(html_text: str, when: datetime, zone: ZoneInfo) -> str:
    """The preview once Send scheduled it."""
    note = _("<i>Scheduled for {when}. /scheduled lists it, with a button to cancel.</i>")
    return f"{html_text}\n\n{note.format(when=html.escape(local_time(when, zone)))}"


def scheduled_answer(when: datetime, zone: ZoneInfo) -> str:
    return _("Scheduled for {when}").format(when=local_time(when, zone))


def unscheduled(html_text: str) -> str:
    return f"{html_text}\n\n<i>{html.escape(_(UNSCHEDULED))}</i>"


def scheduled_list(found: Sequence[BroadcastInfo], zone: ZoneInfo) -> str:
    lines = [
        "{n}. {when}: {text}".format(
            n=n,
            when=html.escape(local_time(info.send_at, zone)) if info.send_at else "?",
            text=html.escape(shorten(_plain(info.html), 80)),
        )
        for n, info in enumerate(found, 1)
    ]
    return bounded_list(_("Scheduled broadcasts:\n"), lines)


def cancel_button(n: int, info: BroadcastInfo, zone: ZoneInfo) -> str:
    when = local_time(info.send_at, zone) if info.send_at else "?"
    return _("Cancel {n} ({when})").format(n=n, when=when)


def _plain(html_text: str) -> str:
    """A broadcast's HTML as plain text, for a one-line summary."""
    return html.unescape(re.sub(r"<[^>]*>", "", html_text)).replace("\n", " ")
