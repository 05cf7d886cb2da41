"""What the bot says about when a chat hears from it: /timezone, /digest, /quiet, /previews,
and the summaries of held posts (digests, the end of quiet hours). Telegram HTML, bounded.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime, time

from bot.domain.callbacks import shorten
from bot.domain.i18n import LANGUAGES, N_, _, current_language, ngettext
from bot.domain.notes import TEXT_LIMIT
from bot.domain.replies import name_html, visible_length
from bot.domain.schedules import (
    ChatSettings,
    DigestMode,
    DigestSchedule,
    HeldPost,
    QuietHours,
    SummaryKind,
)

SCHEDULE_COMMANDS = {
    "settings": N_("This chat's choices: digest, quiet hours, time zone, previews, language"),
    "digest": N_("One message a day or a week: /digest daily 08:00, /digest off"),
    "quiet": N_("No notes at night: /quiet 22:00-07:00, /quiet off"),
    "timezone": N_("This chat's time zone: /timezone Europe/Berlin"),
    "previews": N_("Link previews under notes: /previews on or off"),
}

DAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
TITLE_LIMIT = 200  # of a post's title in a summary line
SUMMARY_TOPICS = 3  # topic names on a summary line


def clock_time(moment: time | datetime) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def describe_digest(schedule: DigestSchedule) -> str:
    if schedule.mode == DigestMode.DAILY:
        return _("a daily digest at {time}").format(time=clock_time(schedule.at))
    if schedule.mode == DigestMode.WEEKLY:
        return _("a weekly digest on {day} at {time}").format(
            day=_(DAY_NAMES[schedule.weekday]), time=clock_time(schedule.at)
        )
    return _("each post as soon as it is published")


def describe_quiet(quiet: QuietHours | None) -> str:
    if quiet is None:
        return _("off")
    return f"{clock_time(quiet.start)}–{clock_time(quiet.end)}"


def zone_line(zone: str, local_now: datetime) -> str:
    return _("Time zone: <b>{zone}</b> (it is {time} there now)").format(
        zone=html.escape(zone), time=clock_time(local_now)
    )


def timezone_current(zone: str, local_now: datetime) -> str:
    return "{line}\n{hint}".format(
        line=zone_line(zone, local_now),
        hint=_("Change it with /timezone Area/City, for example /timezone Europe/Berlin."),
    )


def timezone_set(zone: str, local_now: datetime) -> str:
    return _("Done. {line}. Digests and quiet hours follow it.").format(
        line=zone_line(zone, local_now)
    )


def timezone_unknown(wanted: str, suggestions: Sequence[str]) -> str:
    text = _("I don't know the time zone {zone}.").format(zone=name_html(wanted, 64))
    if suggestions:
        names = ", ".join(f"/timezone {html.escape(s)}" for s in suggestions)
        text += " " + _("Did you mean {names}?").format(names=names)
    return (
        text + " " + _("Time zones are IANA names such as Europe/Berlin, America/New_York or UTC.")
    )


def digest_usage() -> str:
    return _("Usage: /digest daily HH:MM, /digest weekly DAY HH:MM (DAY: mon…sun), or /digest off.")


def digest_set(schedule: DigestSchedule, zone: str) -> str:
    if not schedule.on:
        return _("Digests off: each new post comes as soon as it is published.")
    return _(
        "Done: this chat gets {digest} ({zone}), one message listing the new posts, "
        "or nothing when there are none."
    ).format(digest=describe_digest(schedule), zone=html.escape(zone))


def quiet_usage() -> str:
    return _("Usage: /quiet HH:MM-HH:MM (for example /quiet 22:00-07:00), or /quiet off.")


def quiet_set(quiet: QuietHours | None, zone: str) -> str:
    if quiet is None:
        return _("Quiet hours off: notes come whenever posts are published.")
    return _(
        "Done: quiet hours {window} ({zone}). Notes due then wait and come together when "
        "they end; breaking news still comes, silently."
    ).format(window=describe_quiet(quiet), zone=html.escape(zone))


def previews_usage() -> str:
    return _("Usage: /previews on, or /previews off.")


def previews_set(on: bool) -> str:
    if on:
        return _("Done: notes show a preview of their link.")
    return _("Done: notes show no link preview.")


def settings_text(settings: ChatSettings, zone: str, local_now: datetime) -> str:
    """The /settings message: the chat's current choices."""
    lines = [
        _("<b>Settings for this chat</b>"),
        zone_line(zone, local_now),
        _("Notes: {digest}").format(digest=describe_digest(settings.digest)),
        _("Quiet hours: {window}").format(window=describe_quiet(settings.quiet)),
        _("Link previews: {state}").format(state=_("on") if settings.previews else _("off")),
        _("Language: {language}").format(language=LANGUAGES[current_language()]),
        "",
        _("Press a button to change a choice; /timezone Area/City sets the time zone."),
    ]
    return "\n".join(lines)


def timezone_page(zone: str, local_now: datetime) -> str:
    """The /settings menu's page of time zones."""
    lines = [
        _("<b>Time zone</b>"),
        zone_line(zone, local_now),
        "",
        _("Pick one below; /timezone Area/City sets any other, for example /timezone Asia/Tokyo."),
    ]
    return "\n".join(lines)


def summary_header(kind: SummaryKind, count: int) -> str:
    if kind == SummaryKind.DIGEST:
        text = ngettext("Your digest: {count} new post", "Your digest: {count} new posts", count)
    else:
        text = ngettext(
            "While notes were held: {count} new post",
            "While notes were held: {count} new posts",
            count,
        )
    return f"<b>{html.escape(text.format(count=count))}</b>"


def summary_line(post: HeldPost) -> str:
    """A post in a summary: its title as a link, then its topics."""
    title = html.escape(shorten(post.title or post.url, TITLE_LIMIT), quote=False)
    link = (
        f'<a href="{html.escape(post.url, quote=True)}">{title}</a>' if post.url.strip() else title
    )
    names = [shorten(t.name, 40) for t in post.topics[:SUMMARY_TOPICS]]
    if not names:
        return f"• {link}"
    return "• {link} · {topics}".format(link=link, topics=html.escape(", ".join(names)))


def more_line(count: int, site_url: str) -> str:
    text = html.escape(_("… and {count} more").format(count=count))
    if not site_url:
        return text
    return f'<a href="{html.escape(site_url, quote=True)}">{text}</a>'


def render_summary(
    kind: SummaryKind, posts: Sequence[HeldPost], site_url: str, limit: int = TEXT_LIMIT
) -> str:
    """One message listing held posts, within `limit`: "… and N more" links to the site."""
    header = summary_header(kind, len(posts))
    lines = [summary_line(post) for post in posts]
    room = limit - visible_length(header)
    sizes = [1 + visible_length(line) for line in lines]  # each after a line break
    if sum(sizes) <= room:
        return "\n".join([header, *lines])
    room -= 1 + visible_length(more_line(len(posts), site_url))
    shown: list[str] = []
    for line, size in zip(lines, sizes, strict=True):
        if size > room:
            break
        shown.append(line)
        room -= size
    return "\n".join([header, *shown, more_line(len(posts) - len(shown), site_url)])


def saved(*, changed: bool) -> str:
    """The answer on a pressed settings button."""
    return _("Saved") if changed else _("Already chosen")
