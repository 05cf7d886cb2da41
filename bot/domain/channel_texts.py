"""What the bot says about channels: /channel, /channels, and a channel it lost."""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.domain.callbacks import shorten
from bot.domain.channels import ALL_TOPICS, ChannelInfo, MissingRight
from bot.domain.i18n import N_, _
from bot.domain.replies import bounded_list, more_line, name_html
from bot.domain.states import ChatState

CHANNEL_ADMINS_ONLY = N_("Sorry, only the site's admins can manage channels.")
CHANNEL_USAGE = N_(
    "Usage: /channel add @name [TOPIC … | all] — or a -100… id instead of @name; "
    "/channel remove @name; /channels lists them."
)
NO_CHANNELS = N_("No channel yet. Add one with /channel add @name [TOPIC … | all].")
CHANNEL_GONE = N_("That channel is no longer on the list.")


def channel_not_found(target: str, reason: str) -> str:
    return _(
        "I can't find the channel {target} ({reason}). Check the name, and add me to the "
        "channel as an administrator first."
    ).format(target=html.escape(shorten(target, 64)), reason=html.escape(shorten(reason, 200)))


def cannot_post(name: str, missing: MissingRight) -> str:
    """Exactly what is missing for the bot to post in a channel."""
    shown = html.escape(shorten(name, 100))
    if missing == MissingRight.NOT_A_CHANNEL:
        return _("{name} is not a channel: /channel is for channels only.").format(name=shown)
    if missing == MissingRight.NOT_ADMIN:
        return _(
            "I am not an administrator of {name}. In the channel's settings, add me as an "
            "administrator with the right to post messages, then try again."
        ).format(name=shown)
    return _(
        "I am an administrator of {name} but may not post messages there. Turn on "
        "“Post messages” in my administrator rights, then try again."
    ).format(name=shown)


# Topics a reply names for one channel; the rest are counted.
TOPICS_SHOWN = 20


def topics_line(channel: ChannelInfo, names: dict[str, str]) -> str:
    if ALL_TOPICS in channel.topics:
        return _("every post")
    shown = [names.get(key, key) for key in channel.topics]
    line = ", ".join(shorten(name, 40) for name in shown[:TOPICS_SHOWN]) or _("nothing")
    if len(shown) > TOPICS_SHOWN:  # a channel may follow every one of hundreds of topics
        line += " " + more_line(len(shown) - TOPICS_SHOWN)
    return line


def channel_added(channel: ChannelInfo, names: dict[str, str]) -> str:
    return _("Added {name}: it gets the notes of {topics}.").format(
        name=name_html(channel.name), topics=html.escape(topics_line(channel, names))
    )


def channel_removed(name: str) -> str:
    return _("Removed {name}: nothing more goes there.").format(name=name_html(name))


def removed_answer(name: str) -> str:
    """The answer on a pressed remove button (plain text)."""
    return _("Removed {name}").format(name=name)


def channel_unknown(target: str) -> str:
    return _("{target} is not one of the channels I post to. /channels lists them.").format(
        target=html.escape(shorten(target, 64))
    )


def channels_list(channels: Sequence[ChannelInfo], names: dict[str, str]) -> str:
    lines = []
    for channel in channels:
        state = "" if channel.status == ChatState.ACTIVE else _(" (inactive: I lost my rights)")
        topics = html.escape(shorten(topics_line(channel, names), 300))
        lines.append(f"• {name_html(channel.name)}{state}: {topics}")
    return bounded_list(_("Channels I post to:\n"), lines)


def remove_button(channel: ChannelInfo) -> str:
    return _("Remove {name}").format(name=shorten(channel.name, 40))


def channel_lost(channel: ChannelInfo) -> str:
    """To the admins, once: the bot may no longer post in a channel."""
    return _(
        "I can no longer post in the channel {name}: Telegram refused (my rights were taken "
        "away, or I was removed). I marked it inactive and will not try again. Give me back "
        "the right to post messages, then /channel add it again."
    ).format(name=name_html(channel.name))
