"""The arguments of /timezone, /digest, /quiet and /previews: total parsers, any text in.

The settings menu's buttons carry the same arguments (`argument` writes them back), so a
button and a command change a setting the same way.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import time

from bot.domain.schedules import (
    WEEKDAYS,
    DigestMode,
    DigestSchedule,
    PreviewsChange,
    QuietChange,
    QuietHours,
    SettingChange,
    TimezoneChange,
)

_TIME = re.compile(r"([01]?[0-9]|2[0-3])[:.h]([0-5][0-9])", re.ASCII)
_RANGE = re.compile(r"(\S+?)\s*[-–—]\s*(\S+)")
# The shape of an IANA name ("UTC", "Etc/GMT+3", "America/Argentina/Buenos_Aires"), not a
# check that the zone exists: the handler looks it up among the zones this machine has.
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*", re.ASCII)
ZONE_NAME_LIMIT = 64  # longer than any IANA name; longer input is not looked up
SUGGESTIONS = 3


class SettingCode:
    """The short names of the settings in callback data."""

    DIGEST = "d"
    QUIET = "q"
    PREVIEWS = "p"
    TIMEZONE = "z"


def parse_time(text: str) -> time | None:
    """HH:MM (also H:MM, HH.MM, HHhMM), 00:00 to 23:59; None for anything else."""
    match = _TIME.fullmatch(text.strip())
    return None if match is None else time(int(match.group(1)), int(match.group(2)))


def parse_weekday(text: str) -> int | None:
    """mon..sun, or a longer English day name ("Monday"); None for anything else."""
    word = text.strip().lower()
    if len(word) < 3:
        return None
    for number, day in enumerate(WEEKDAYS):
        if word[:3] == day and _FULL_DAYS[number].startswith(word):
            return number
    return None


_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_digest(text: str) -> DigestSchedule | None:
    """`off`, `daily HH:MM` or `weekly DAY HH:MM`; None for anything else."""
    words = text.lower().split()
    if words == ["off"]:
        return DigestSchedule()
    if len(words) == 2 and words[0] == "daily" and (at := parse_time(words[1])) is not None:
        return DigestSchedule(DigestMode.DAILY, at)
    if len(words) == 3 and words[0] == "weekly":
        day, at = parse_weekday(words[1]), parse_time(words[2])
        if day is not None and at is not None:
            return DigestSchedule(DigestMode.WEEKLY, at, day)
    return None


def parse_quiet(text: str) -> QuietChange | None:
    """`off` or `HH:MM-HH:MM` (two different times; the window may cross midnight)."""
    stripped = text.strip()
    if stripped.lower() == "off":
        return QuietChange(None)
    match = _RANGE.fullmatch(stripped)
    if match is None:
        return None
    start, end = parse_time(match.group(1)), parse_time(match.group(2))
    if start is None or end is None or start == end:
        return None
    return QuietChange(QuietHours(start, end))


def parse_switch(text: str) -> PreviewsChange | None:
    """`on` or `off`; None for anything else."""
    word = text.strip().lower()
    if word in ("on", "off"):
        return PreviewsChange(word == "on")
    return None


@dataclass(frozen=True)
class ZoneMatch:
    """What /timezone's argument names: a zone, or the closest names (maybe none)."""

    name: str | None
    suggestions: tuple[str, ...] = ()


def match_zone(text: str, known: Collection[str]) -> ZoneMatch:
    """The IANA zone `text` names (any case, spaces for underscores), else close names."""
    wanted = text.strip().replace(" ", "_")
    if not wanted or len(wanted) > ZONE_NAME_LIMIT:
        return ZoneMatch(None)
    by_folded = {name.casefold(): name for name in known}
    exact = by_folded.get(wanted.casefold())
    if exact is not None:
        return ZoneMatch(exact)
    folded = wanted.casefold()
    # "Berlin" finds Europe/Berlin: the city part alone is a near miss too.
    cities = [name for key, name in by_folded.items() if key.rsplit("/", 1)[-1] == folded]
    close = difflib.get_close_matches(folded, list(by_folded), n=SUGGESTIONS, cutoff=0.6)
    suggestions = dict.fromkeys([*cities, *(by_folded[key] for key in close)])
    return ZoneMatch(None, tuple(suggestions)[:SUGGESTIONS])


def parse_zone_name(text: str) -> TimezoneChange | None:
    """A time zone button's argument: a name shaped like an IANA zone's; None for anything else."""
    if len(text) > ZONE_NAME_LIMIT or not _ZONE.fullmatch(text):
        return None
    return TimezoneChange(text)


def parse_setting(code: str, text: str) -> SettingChange | None:
    """A settings button's change from its code and argument; None for anything else."""
    if code == SettingCode.DIGEST:
        return parse_digest(text)
    if code == SettingCode.QUIET:
        return parse_quiet(text)
    if code == SettingCode.PREVIEWS:
        return parse_switch(text)
    if code == SettingCode.TIMEZONE:
        return parse_zone_name(text)
    return None


def argument(change: SettingChange) -> tuple[str, str]:
    """The code and argument a settings button carries for `change` (parse_setting's inverse)."""
    if isinstance(change, DigestSchedule):
        at = change.at.strftime("%H:%M")
        if change.mode == DigestMode.DAILY:
            return SettingCode.DIGEST, f"daily {at}"
        if change.mode == DigestMode.WEEKLY:
            return SettingCode.DIGEST, f"weekly {WEEKDAYS[change.weekday]} {at}"
        return SettingCode.DIGEST, "off"
    if isinstance(change, QuietChange):
        quiet = change.quiet
        if quiet is None:
            return SettingCode.QUIET, "off"
        return SettingCode.QUIET, f"{quiet.start:%H:%M}-{quiet.end:%H:%M}"
    if isinstance(change, PreviewsChange):
        return SettingCode.PREVIEWS, "on" if change.on else "off"
    return SettingCode.TIMEZONE, change.name
