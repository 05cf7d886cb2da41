"""What the bot says on first contact: deep-link greetings, group welcomes, hints for stray text."""

from __future__ import annotations

import html

from bot.domain.callbacks import shorten
from bot.domain.i18n import N_, _

COMMAND_LIMIT = 40  # characters of an unknown command repeated back

TEXT_HINT = N_(
    "I only understand commands: /subscribe TOPIC follows a topic, /help lists them all."
)
GROUP_WELCOME = N_(
    "Hi! I post a short note here whenever the site publishes a post on a topic this group "
    "follows. The group's administrators pick topics with /subscribe TOPIC (or /subscribe for "
    "a list); /help shows every command."
)
GREETING = N_("Hi! I send a short note with a link whenever the site publishes a post you follow.")


def unknown_command(command: str) -> str:
    """A one-line hint for a command the bot does not have."""
    name = html.escape(shorten(command.split()[0] if command.split() else command, COMMAND_LIMIT))
    return _("I don't know the command {command}. /help lists what I can do.").format(command=name)


def greeted(reply: str) -> str:
    """A deep link's reply: the greeting, then what /subscribe did, in one message."""
    return _(GREETING) + "\n\n" + reply
