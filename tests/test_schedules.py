"""The schedules as pure functions: next digest, quiet windows (DST included), the parsers,
the summary's bounds, and the settings buttons' data."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import callbacks
from bot.domain.callbacks import SettingsButton, SettingsPage, SettingsPageButton
from bot.domain.notes import TEXT_LIMIT
from bot.domain.replies import visible_length
from bot.domain.schedule_commands import (
    match_zone,
    parse_digest,
    parse_quiet,
    parse_switch,
    parse_time,
)
from bot.domain.schedule_texts import render_summary, timezone_unknown
from bot.domain.schedules import (
    ChatSettings,
    DigestMode,
    DigestSchedule,
    HeldPost,
    PreviewsChange,
    QuietChange,
    QuietHours,
    SummaryKind,
    TimezoneChange,
    in_quiet_hours,
    next_digest,
    quiet_window,
    timing,
)
from bot.domain.settings_menu import ZONE_CHOICES, MenuButton, menu, timezone_rows, zone_choices
from bot.domain.topics import TopicInfo

BERLIN = ZoneInfo("Europe/Berlin")
UTC_ZONE = ZoneInfo("UTC")
DAILY_8 = DigestSchedule(DigestMode.DAILY, time(8, 0))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_next_daily_digest_is_today_or_tomorrow_in_the_chat_zone() -> None:
    # 06:00 UTC is 07:00 in Berlin in winter: today's 08:00 is 07:00 UTC.
    assert next_digest(DAILY_8, BERLIN, utc(2026, 1, 10, 6, 0)) == utc(2026, 1, 10, 7, 0)
    assert next_digest(DAILY_8, BERLIN, utc(2026, 1, 10, 7, 0)) == utc(2026, 1, 11, 7, 0)
    assert next_digest(DAILY_8, UTC_ZONE, utc(2026, 1, 10, 7, 59)) == utc(2026, 1, 10, 8, 0)
    assert next_digest(DigestSchedule(), BERLIN, utc(2026, 1, 10)) is None


def test_next_weekly_digest_is_on_its_day() -> None:
    friday = DigestSchedule(DigestMode.WEEKLY, time(18, 30), weekday=4)
    # 2026-01-10 is a Saturday: the next Friday is the 16th.
    assert next_digest(friday, UTC_ZONE, utc(2026, 1, 10, 12)) == utc(2026, 1, 16, 18, 30)
    assert next_digest(friday, UTC_ZONE, utc(2026, 1, 16, 18, 30)) == utc(2026, 1, 23, 18, 30)


def test_digests_across_daylight_saving_changes() -> None:
    # Berlin's clocks go forward on 2026-03-29 at 02:00 and back on 2026-10-25 at 03:00.
    assert next_digest(DAILY_8, BERLIN, utc(2026, 3, 28, 7, 0)) == utc(2026, 3, 29, 6, 0)
    skipped = DigestSchedule(DigestMode.DAILY, time(2, 30))
    # 02:30 does not exist that night: it falls an hour later (03:30 CEST = 01:30 UTC).
    assert next_digest(skipped, BERLIN, utc(2026, 3, 28, 23, 0)) == utc(2026, 3, 29, 1, 30)
    twice = DigestSchedule(DigestMode.DAILY, time(2, 30))
    # 02:30 happens twice on 2026-10-25: the first one (CEST, 00:30 UTC) only.
    first = next_digest(twice, BERLIN, utc(2026, 10, 24, 23, 0))
    assert first == utc(2026, 10, 25, 0, 30)
    assert next_digest(twice, BERLIN, first) == utc(2026, 10, 26, 1, 30)


def test_quiet_window_crossing_midnight() -> None:
    night = QuietHours(time(22, 0), time(7, 0))
    assert quiet_window(night, UTC_ZONE, utc(2026, 1, 10, 23)) == (
        utc(2026, 1, 10, 22),
        utc(2026, 1, 11, 7),
    )
    assert quiet_window(night, UTC_ZONE, utc(2026, 1, 11, 3)) == (
        utc(2026, 1, 10, 22),
        utc(2026, 1, 11, 7),
    )
    # Outside it: the next one.
    assert quiet_window(night, UTC_ZONE, utc(2026, 1, 11, 12)) == (
        utc(2026, 1, 11, 22),
        utc(2026, 1, 12, 7),
    )
    assert in_quiet_hours(night, UTC_ZONE, utc(2026, 1, 11, 6, 59))
    assert not in_quiet_hours(night, UTC_ZONE, utc(2026, 1, 11, 7, 0))
    assert not in_quiet_hours(None, UTC_ZONE, utc(2026, 1, 11, 3))


def test_quiet_window_across_daylight_saving_changes() -> None:
    night = QuietHours(time(22, 0), time(7, 0))
    # The night clocks go forward is an hour shorter, the night they go back an hour longer.
    start, end = quiet_window(night, BERLIN, utc(2026, 3, 28, 22)) or (None, None)
    assert (start, end) == (utc(2026, 3, 28, 21), utc(2026, 3, 29, 5))
    start, end = quiet_window(night, BERLIN, utc(2026, 10, 24, 22)) or (None, None)
    assert (start, end) == (utc(2026, 10, 24, 20), utc(2026, 10, 25, 6))


def test_timing_releases_at_the_digest_or_the_window_end_or_at_once() -> None:
    now = utc(2026, 1, 10, 23)
    night = QuietHours(time(22, 0), time(7, 0))
    digest = ChatSettings(digest=DAILY_8, quiet=night)
    assert timing(digest, UTC_ZONE, now, holding=True).release_at == utc(2026, 1, 11, 8)
    quiet = ChatSettings(quiet=night)
    moments = timing(quiet, UTC_ZONE, now, holding=True)
    assert moments.release_at == moments.quiet_until == utc(2026, 1, 11, 7)
    assert moments.quiet_from == utc(2026, 1, 10, 22)
    # Outside the window, what is held goes at once; nothing held, at the next window's end.
    noon = utc(2026, 1, 11, 12)
    assert timing(quiet, UTC_ZONE, noon, holding=True).release_at == noon
    assert timing(quiet, UTC_ZONE, noon, holding=False).release_at == utc(2026, 1, 12, 7)
    assert timing(ChatSettings(), UTC_ZONE, now, holding=True).release_at == now
    assert timing(ChatSettings(), UTC_ZONE, now, holding=False).release_at is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("off", DigestSchedule()),
        ("daily 08:00", DAILY_8),
        ("DAILY 8:00", DAILY_8),
        ("weekly mon 18:30", DigestSchedule(DigestMode.WEEKLY, time(18, 30), 0)),
        ("weekly Sunday 07:05", DigestSchedule(DigestMode.WEEKLY, time(7, 5), 6)),
        ("daily 24:00", None),
        ("daily 8", None),
        ("weekly xyz 08:00", None),
        ("weekly mo 08:00", None),
        ("hourly", None),
        ("", None),
        ("daily ８:００", None),  # full-width digits are not ASCII digits
    ],
)
def test_parse_digest(text: str, expected: DigestSchedule | None) -> None:
    assert parse_digest(text) == expected


def test_parse_quiet_and_switch() -> None:
    assert parse_quiet("22:00-07:00") == QuietChange(QuietHours(time(22), time(7)))
    assert parse_quiet(" 23:30 – 06:15 ") == QuietChange(QuietHours(time(23, 30), time(6, 15)))
    assert parse_quiet("OFF") == QuietChange(None)
    for bad in ("22:00-22:00", "22:00", "25:00-07:00", "a-b", ""):
        assert parse_quiet(bad) is None
    assert parse_switch("On") == PreviewsChange(True)
    assert parse_switch("off") == PreviewsChange(False)
    assert parse_switch("maybe") is None
    assert parse_time("7:05") == time(7, 5)


def test_match_zone_exact_any_case_and_near_misses() -> None:
    known = available_timezones()
    assert match_zone("europe/berlin", known).name == "Europe/Berlin"
    assert match_zone("America/New York", known).name == "America/New_York"
    assert match_zone("UTC", known).name == "UTC"
    near = match_zone("Europe/Berln", known)
    assert near.name is None and "Europe/Berlin" in near.suggestions
    assert "Europe/Berlin" in match_zone("Berlin", known).suggestions
    assert match_zone("x" * 10_000, known) == match_zone("", known)


@given(st.text(max_size=300))
def test_any_timezone_answer_is_bounded(typed: str) -> None:
    found = match_zone(typed, {"Europe/Berlin", "America/New_York", "UTC"})
    assert visible_length(timezone_unknown(typed, found.suggestions)) < 600


def _post(number: int, title: str = "Post") -> HeldPost:
    topics = (TopicInfo("news", "News"), TopicInfo("korea", "Korea"))
    return HeldPost(f"{title} {number} <&>", f"https://news.example/{number}.html", topics)


def test_summary_lists_titles_as_links_with_topics() -> None:
    text = render_summary(SummaryKind.DIGEST, [_post(1), _post(2)], "https://news.example")
    assert text.splitlines() == [
        "<b>Your digest: 2 new posts</b>",
        '• <a href="https://news.example/1.html">Post 1 &lt;&amp;&gt;</a> · News, Korea',
        '• <a href="https://news.example/2.html">Post 2 &lt;&amp;&gt;</a> · News, Korea',
    ]
    single = render_summary(SummaryKind.HELD, [_post(1)], "")
    assert single.startswith("<b>While notes were held: 1 new post</b>")


def test_a_long_summary_ends_with_a_link_to_the_site() -> None:
    posts = [_post(n, "A rather long title " * 8) for n in range(500)]
    text = render_summary(SummaryKind.DIGEST, posts, "https://news.example")
    assert visible_length(text) <= TEXT_LIMIT
    last = text.splitlines()[-1]
    shown = len(text.splitlines()) - 2
    assert last == f'<a href="https://news.example">… and {500 - shown} more</a>'
    assert shown > 10


@given(st.lists(st.text(max_size=300), max_size=200))
def test_any_summary_fits_in_a_message(titles: list[str]) -> None:
    posts = [HeldPost(t, "https://x.example/?a=1&b=2", (TopicInfo(t, t),)) for t in titles]
    assert visible_length(render_summary(SummaryKind.DIGEST, posts, "https://x")) <= TEXT_LIMIT


def test_every_menu_button_round_trips_through_its_callback_data() -> None:
    choices = [
        ChatSettings(),
        ChatSettings(digest=DigestSchedule(DigestMode.WEEKLY, time(23, 30), 6)),
        ChatSettings(digest=DAILY_8, quiet=QuietHours(time(23), time(6)), previews=False),
    ]
    pages = [
        timezone_rows(zone, "UTC", available_timezones(), lambda _: utc(2026, 1, 10, 12))
        for zone in ("UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires")
    ]
    for rows in [*(menu(settings) for settings in choices), *pages]:
        assert len(rows) >= 3
        for row in rows:
            for button in row:
                round_trips(button)
    assert callbacks.parse(callbacks.settings_data(None)) == SettingsButton(None)


def round_trips(button: MenuButton) -> None:
    data = callbacks.settings_data(button.target)
    assert len(data.encode()) <= callbacks.MAX_DATA_BYTES
    if isinstance(button.target, SettingsPage):
        assert callbacks.parse(data) == SettingsPageButton(button.target)
    else:
        assert callbacks.parse(data) == SettingsButton(button.target)
    assert 0 < len(button.label) <= callbacks.LABEL_LIMIT


def test_every_time_zone_fits_in_a_button() -> None:
    for name in available_timezones():
        data = callbacks.settings_data(TimezoneChange(name))
        assert len(data.encode()) <= callbacks.MAX_DATA_BYTES
        assert callbacks.parse(data) == SettingsButton(TimezoneChange(name))


def test_the_time_zone_page_offers_the_chats_zone_the_default_and_its_neighbours() -> None:
    known = available_timezones()
    berlin = zone_choices("Europe/Berlin", "UTC", known)
    assert berlin[:2] == ["Europe/Berlin", "UTC"]
    assert berlin[2:4] == ["Europe/Madrid", "Europe/Rome"]  # the nearest in the area first
    assert all(name.startswith("Europe/") for name in berlin[2:])
    assert len(berlin) == ZONE_CHOICES
    # A zone of no listed area: the default, then zones around the world.
    odd = zone_choices("Etc/GMT+3", "Europe/Berlin", known)
    assert odd[:3] == ["Etc/GMT+3", "Europe/Berlin", "UTC"]
    assert "America/New_York" in odd
    # Only zones this machine has; no name twice.
    few = zone_choices("UTC", "UTC", {"UTC", "Europe/London"})
    assert few == ["UTC", "Europe/London"]
    for zone in ("UTC", "Asia/Tokyo", "Pacific/Auckland", "America/Chicago"):
        offered = zone_choices(zone, "Europe/Berlin", known)
        assert offered[0] == zone and len(set(offered)) == len(offered) <= 12


def test_the_time_zone_page_ticks_the_chats_zone_and_ends_with_back() -> None:
    rows = timezone_rows(
        "Europe/Berlin", "UTC", available_timezones(), lambda _: utc(2026, 1, 1, 9)
    )
    assert rows[0][0] == MenuButton("✓ Europe/Berlin · 09:00", TimezoneChange("Europe/Berlin"))
    assert rows[0][1] == MenuButton("UTC · 09:00", TimezoneChange("UTC"))
    assert rows[-1] == [MenuButton("‹ Back", None)]
    assert sum(len(row) for row in rows[:-1]) == ZONE_CHOICES


@pytest.mark.parametrize(
    "data",
    [
        "cfg:d:hourly",
        "cfg:x:on",
        "cfg:q:25:00-01:00",
        "cfg:p",
        "cfg:d:",
        "cfg:p:on:extra",
        "cfg:z:",
        "cfg:z:../etc/passwd",
        "cfg:z:Europe//Berlin",
        "cfg:z:/UTC",
        "cfg:z:Europe/Berlin ",
        "cfg:z:" + "A" * 65,
        "cfg:z:Еurope/Berlin",  # a Cyrillic Е
        "cfg:z",
        "cfg-page:",
        "cfg-page:colour",
        "cfg-page:TZ",
        "cfg-page:tz:",
        "cfg-lang:",
        "cfg-lang:RU",
        "cfg-lang:de-AT",
    ],
)
def test_forged_settings_data_parses_to_nothing(data: str) -> None:
    assert callbacks.parse(data) is None


def test_the_menu_marks_the_current_choices() -> None:
    settings = ChatSettings(digest=DAILY_8)
    labels = [b.label for row in menu(settings) for b in row]
    assert "✓ Daily" in labels and "Instant" in labels and "✓ Link previews" in labels
    assert "+ 1 h (09:00)" in labels and "− 1 h (07:00)" in labels
    assert menu(settings)[-1] == [
        MenuButton("Time zone ›", SettingsPage.TIMEZONE),
        MenuButton("Language ›", SettingsPage.LANGUAGE),
    ]
