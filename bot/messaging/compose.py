"""What a delivery job sends: its HTML, its buttons, and a photo only when it is a web URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.breaking import breaking_label
from bot.domain.callbacks import unsubscribe_data
from bot.domain.everything import note_topics
from bot.domain.i18n import use_language
from bot.domain.notes import render_post
from bot.domain.outbox import DeliveryJob
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


def compose(job: DeliveryJob) -> Outgoing:
    """The message for a job: a broadcast's HTML as it is, a post's note with its buttons.

    The post's own words stay as written; the bot's (the link, the buttons) are in the chat's
    language.
    """
    if job.post_id is None:
        return Outgoing(job.html)
    with use_language(job.language):
        return _note(job)


def _note(job: DeliveryJob) -> Outgoing:
    hashtags, unsubscribable = note_topics(job.topics)
    note = render_post(
        title=job.title,
        excerpt=job.excerpt,
        url=job.url,
        topics=hashtags,
        photo=web_photo(job.image_url),
        label=breaking_label() if job.breaking else "",
    )
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
    if job.in_channel:
        return Outgoing(note.html, note.photo)
    return Outgoing(note.html, note.photo, markup)


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
