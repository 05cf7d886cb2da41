"""The /settings menu: rows of buttons, each setting one choice to a given value.

The menu is a list of rows, so another feature adds a row (a language, say) by appending to
`MENU_ROWS`. A button names the value it sets, not a step ("08:00 → 09:00" is "daily 09:00"),
so a button pressed twice, or under an old menu, sets the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import time

from bot.domain.i18n import _
from bot.domain.schedule_texts import clock_time, describe_quiet
from bot.domain.schedules import (
    DEFAULT_QUIET,
    WEEKDAYS,
    ChatSettings,
    DigestMode,
    DigestSchedule,
    PreviewsChange,
    QuietChange,
    QuietHours,
    SettingChange,
)

CHOSEN = "✓ "


@dataclass(frozen=True)
class MenuButton:
    """A button of the menu: its label, and the change it makes."""

    label: str
    change: SettingChange


Row = list[MenuButton]


def _mark(label: str, chosen: bool) -> str:
    return CHOSEN + label if chosen else label


def digest_row(settings: ChatSettings) -> Row:
    digest = settings.digest
    at = digest.at
    return [
        MenuButton(_mark(_("Instant"), not digest.on), DigestSchedule()),
        MenuButton(
            _mark(_("Daily"), digest.mode == DigestMode.DAILY),
            DigestSchedule(DigestMode.DAILY, at),
        ),
        MenuButton(
            _mark(_("Weekly"), digest.mode == DigestMode.WEEKLY),
            DigestSchedule(DigestMode.WEEKLY, at, digest.weekday),
        ),
    ]


def digest_time_row(settings: ChatSettings) -> Row:
    """Earlier, later and (weekly) the next day: only for a digest chat."""
    digest = settings.digest
    if not digest.on:
        return []
    minutes = digest.at.hour * 60 + digest.at.minute

    def shifted(delta: int) -> DigestSchedule:
        moved = (minutes + delta) % (24 * 60)
        return replace(digest, at=time(moved // 60, moved % 60))

    row = [
        MenuButton(f"− 1 h ({clock_time(shifted(-60).at)})", shifted(-60)),
        MenuButton(f"+ 1 h ({clock_time(shifted(60).at)})", shifted(60)),
    ]
    if digest.mode == DigestMode.WEEKLY:
        day = (digest.weekday + 1) % 7
        label = _("Day: {day} → {next}").format(day=WEEKDAYS[digest.weekday], next=WEEKDAYS[day])
        row.append(MenuButton(label, replace(digest, weekday=day)))
    return row


def quiet_row(settings: ChatSettings) -> Row:
    quiet = settings.quiet
    usual = QuietHours(*DEFAULT_QUIET)
    window = quiet if quiet is not None else usual
    label = _("Quiet {window}").format(window=describe_quiet(window))
    return [
        MenuButton(_mark(_("No quiet hours"), quiet is None), QuietChange(None)),
        MenuButton(_mark(label, quiet is not None), QuietChange(window)),
    ]


def previews_row(settings: ChatSettings) -> Row:
    on = settings.previews
    return [
        MenuButton(_mark(_("Link previews"), on), PreviewsChange(True)),
        MenuButton(_mark(_("No previews"), not on), PreviewsChange(False)),
    ]


# The menu, top to bottom; a row builder may return [] to leave its row out.
MENU_ROWS: list[Callable[[ChatSettings], Row]] = [
    digest_row,
    digest_time_row,
    quiet_row,
    previews_row,
]


def menu(settings: ChatSettings) -> list[Row]:
    """The buttons of the /settings menu for these settings, row by row."""
    return [row for build in MENU_ROWS if (row := build(settings))]
