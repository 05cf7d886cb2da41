"""What a delivery job sends: its HTML, its buttons, and a photo only when it is a web URL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.breaking import breaking_label
from bot.domain.callbacks import unsubscribe_data
from bot.domain.everything import note_topics
from bot.domain.i18n import use_language
from bot.domain.notes import render_post
from bot.domain.outbox import DeliveryJob
from bot.domain.schedule_texts import render_summary
from bot.domain.schedules import HeldPost, SummaryKind
from bot.domain.texts import unsubscribe_button
from bot.domain.urls import is_web_url

# Unsubscribe buttons under one note: one per matched topic, up to this many (Telegram takes
# at most 100 buttons, and a wall of them helps nobody; /unsubscribe lists every topic).
NOTE_BUTTONS = 8


@dataclass(frozen=True)
class Outgoing:
    """One message ready to send: a text, or a photo with the text as its caption."""

    html: str
    photo: str | None = None
    markup: InlineKeyboardMarkup | None = None
    # Whether a text message shows a preview of its first link (the chat's /previews).
    previews: bool = True


def compose(job: DeliveryJob, *, site_url: str = "") -> Outgoing:
    """The message for a job: a broadcast's HTML as it is, a post's note with its buttons,
    a summary of held posts (one held post alone goes as its note).

    The post's own words stay as written; the bot's (the link, the buttons, a summary's
    header) are in the chat's language.
    """
    if job.post_id is None and job.summary is None:
        return Outgoing(job.html, broadcast_photo(job.image_url))
    with use_language(job.language):
        if job.summary is not None:
            if job.summary == SummaryKind.HELD and len(job.items) == 1:
                return _note(job.items[0], job.previews)
            html = render_summary(job.summary, job.items, site_url)
            return Outgoing(html, previews=job.previews)
        post = HeldPost(job.title, job.url, job.topics, job.excerpt, job.image_url)
        return _note(post, job.previews, breaking=job.breaking, in_channel=job.in_channel)


def _note(
    post: HeldPost, previews: bool, *, breaking: bool = False, in_channel: bool = False
) -> Outgoing:
    """A post's note, with a button per matched topic (none in a channel; one for "*")."""
    hashtags, unsubscribable = note_topics(post.topics)
    note = render_post(
        title=post.title,
        excerpt=post.excerpt,
        url=post.url,
        topics=hashtags,
        photo=web_photo(post.image_url),
        label=breaking_label() if breaking else "",
    )
    if in_channel:
        return Outgoing(note.html, note.photo, previews=previews)
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    unsubscribe_button(t.name), callback_data=unsubscribe_data(t.key)
                )
            ]
            for t in unsubscribable[:NOTE_BUTTONS]
        ]
    )
    return Outgoing(note.html, note.photo, markup, previews)


def web_photo(url: str | None) -> str | None:
    """url when PTB will hand it to Telegram as a URL; None for anything it might upload.

    PTB uploads any string that names an existing local file, so only http(s) URLs go,
    and not even those if a file happens to bear the name (relative to the working folder).
    """
    if url is None or not is_web_url(url):
        return None
    try:
        if Path(url).exists():
            return None
    except (OSError, ValueError):  # a name too long for a path, a NUL byte
        return None
    return url


_FILE_ID = re.compile(r"[A-Za-z0-9_-]{16,255}")


def broadcast_photo(photo: str | None) -> str | None:
    """A broadcast's photo: a web URL as for posts, or a Telegram file_id (never a path)."""
    if photo is None:
        return None
    if is_web_url(photo):
        return web_photo(photo)
    if not _FILE_ID.fullmatch(photo):
        return None
    return None if web_photo_blocked(photo) else photo


def web_photo_blocked(name: str) -> bool:
    """Whether PTB would take `name` for a local file (one by that name exists)."""
    try:
        return Path(name).exists()
    except (OSError, ValueError):
        return True
