"""The /settings menu: rows of buttons, each setting one choice to a given value.

The menu is a list of rows, so another feature adds a row by appending to `MENU_ROWS`. A
button names the value it sets, not a step ("08:00 → 09:00" is "daily 09:00"), so a button
pressed twice, or under an old menu, sets the same thing. The time zone and the language have
too many values for a row: their buttons open a page of choices in place of the menu, and a
choice made there (or "‹ Back") shows the menu again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime, time

from bot.domain.callbacks import SettingsPage
from bot.domain.i18n import _
from bot.domain.schedule_texts import DAY_NAMES, clock_time, describe_quiet
from bot.domain.schedules import (
    DEFAULT_QUIET,
    ChatSettings,
    DigestMode,
    DigestSchedule,
    PreviewsChange,
    QuietChange,
    QuietHours,
    SettingChange,
    TimezoneChange,
)

CHOSEN = "✓ "
OPENS = " ›"  # after the label of a button that opens a page

# Common zones of each area, roughly from west to east: the time zone page offers the ones
# nearest the chat's own zone in this order, then zones around the world.
AREA_ZONES = {
    "Europe": (
        "Europe/Lisbon",
        "Europe/London",
        "Europe/Paris",
        "Europe/Madrid",
        "Europe/Berlin",
        "Europe/Rome",
        "Europe/Warsaw",
        "Europe/Athens",
        "Europe/Kyiv",
        "Europe/Istanbul",
        "Europe/Moscow",
        "Europe/Samara",
    ),
    "America": (
        "America/Anchorage",
        "America/Los_Angeles",
        "America/Denver",
        "America/Phoenix",
        "America/Chicago",
        "America/Mexico_City",
        "America/New_York",
        "America/Toronto",
        "America/Bogota",
        "America/Halifax",
        "America/Santiago",
        "America/Argentina/Buenos_Aires",
        "America/Sao_Paulo",
    ),
    "Asia": (
        "Asia/Jerusalem",
        "Asia/Tbilisi",
        "Asia/Dubai",
        "Asia/Tashkent",
        "Asia/Yekaterinburg",
        "Asia/Karachi",
        "Asia/Kolkata",
        "Asia/Almaty",
        "Asia/Novosibirsk",
        "Asia/Bangkok",
        "Asia/Shanghai",
        "Asia/Singapore",
        "Asia/Seoul",
        "Asia/Tokyo",
        "Asia/Vladivostok",
    ),
    "Africa": (
        "Africa/Casablanca",
        "Africa/Lagos",
        "Africa/Johannesburg",
        "Africa/Cairo",
        "Africa/Nairobi",
    ),
    "Australia": (
        "Australia/Perth",
        "Australia/Darwin",
        "Australia/Adelaide",
        "Australia/Brisbane",
        "Australia/Sydney",
    ),
    "Pacific": ("Pacific/Honolulu", "Pacific/Fiji", "Pacific/Auckland"),
}
WORLD_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
)
ZONE_CHOICES = 10  # buttons on the time zone page, "‹ Back" aside
ZONES_PER_ROW = 2


@dataclass(frozen=True)
class MenuButton:
    """A button of the menu: its label, and what pressing it does: a change, a page to open,
    or None: show the menu again."""

    label: str
    target: SettingChange | SettingsPage | None


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
        label = _("Day: {day} → {next}").format(
            day=_(DAY_NAMES[digest.weekday]), next=_(DAY_NAMES[day])
        )
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


def pages_row(settings: ChatSettings) -> Row:
    return [
        MenuButton(_("Time zone") + OPENS, SettingsPage.TIMEZONE),
        MenuButton(_("Language") + OPENS, SettingsPage.LANGUAGE),
    ]


# The menu, top to bottom; a row builder may return [] to leave its row out.
MENU_ROWS: list[Callable[[ChatSettings], Row]] = [
    digest_row,
    digest_time_row,
    quiet_row,
    previews_row,
    pages_row,
]


def menu(settings: ChatSettings) -> list[Row]:
    """The buttons of the /settings menu for these settings, row by row."""
    return [row for build in MENU_ROWS if (row := build(settings))]


def back_row() -> Row:
    """The last row of a page: back to the menu, nothing changed."""
    return [MenuButton(_("‹ Back"), None)]


def zone_choices(current: str, default: str, known: Collection[str]) -> list[str]:
    """The time zones the page offers: the chat's, the bot's default, the common zones nearest
    the chat's in its area, then zones around the world; only zones in `known`, at most
    ZONE_CHOICES."""
    area = AREA_ZONES.get(current.split("/", 1)[0], ())
    here = area.index(current) if current in area else 0
    nearest = sorted(area, key=lambda name: abs(area.index(name) - here))
    wanted = dict.fromkeys([current, default, *nearest, *WORLD_ZONES])
    return [name for name in wanted if name in known][:ZONE_CHOICES]


def zone_label(name: str, local_now: datetime) -> str:
    """A time zone's button: its name and the time there now."""
    return "{name} · {time}".format(name=name.replace("_", " "), time=clock_time(local_now))


def timezone_rows(
    current: str, default: str, known: Collection[str], local_now: Callable[[str], datetime]
) -> list[Row]:
    """The time zone page's buttons, the chat's zone ticked, then "‹ Back"."""
    buttons = [
        MenuButton(_mark(zone_label(name, local_now(name)), name == current), TimezoneChange(name))
        for name in zone_choices(current, default, known)
    ]
    rows = [buttons[i : i + ZONES_PER_ROW] for i in range(0, len(buttons), ZONES_PER_ROW)]
    return [*rows, back_row()]
