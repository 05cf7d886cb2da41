"""Every reply the bot's commands and buttons give, as Telegram HTML: pure functions of data."""

from __future__ import annotations

import difflib
import html
from collections.abc import Mapping, Sequence

from bot.domain.broadcasts import Progress
from bot.domain.callbacks import shorten
from bot.domain.change_texts import changes_summary
from bot.domain.i18n import N_, _, ngettext
from bot.domain.notes import TEXT_LIMIT, telegram_length
from bot.domain.replies import bounded_list, name_html
from bot.domain.schedule_texts import SCHEDULE_COMMANDS
from bot.domain.states import BroadcastState, ChatState, DeliveryState
from bot.domain.stats import Stats
from bot.domain.topics import TopicCount, TopicInfo, topic_key

COMMANDS = {
    "start": N_("Start getting news (/start TOPIC follows a topic right away)"),
    "subscribe": N_("Follow a topic: /subscribe TOPIC, or pick from a list"),
    "unsubscribe": N_("Stop following a topic"),
    "subscriptions": N_("The topics this chat follows"),
    "filter": N_("Keyword filters: /filter WORD, /filter -WORD, /filter remove WORD"),
    "latest": N_("The newest posts of this chat's topics: /latest [TOPIC]"),
    "topics": N_("Every category and tag, with post counts"),
    **SCHEDULE_COMMANDS,
    "stop": N_("Stop all messages to this chat"),
    "language": N_("The language I speak in this chat: /language CODE, or pick"),
    "help": N_("What I can do"),
}
ADMIN_COMMANDS = {
    "broadcast": N_("Send a message to every chat: /broadcast [#topic] TEXT"),
    "stats": N_("Chats, subscriptions and deliveries"),
    "channel": N_(
        "Post notes to a channel: /channel add @name [TOPIC … | all], /channel remove @name"
    ),
    "channels": N_("The channels I post to, with buttons to remove them"),
    "scheduled": N_("Broadcasts waiting for their time, with a button to cancel each"),
    "audit": N_("The last editorial actions: who did what, when"),
}

# /subscribe answers in up to three parts (added, already followed, unknown): each gets a third.
PART_LIMIT = (TEXT_LIMIT - 2) // 3
SUGGESTED_WORDS = 3  # unknown words that get "did you mean"; more are only listed
BROADCAST_TEXT_LIMIT = 3800  # leaves room for the progress lines under the preview
KEYBOARD_TOPICS = 30  # buttons in a topic picker

# Constants are marked with N_ and translated where they are used: _(texts.WELCOME).
ADMIN_ONLY = N_("Only this group's administrators can change what it follows.")
START_REFUSED = N_(
    "Hi! Only this group's administrators can change what it follows. "
    "Send /help to see what I can do."
)
WELCOME = N_(
    "Hi! I send a short note with a link whenever the site publishes a post on a topic "
    "you follow.\n\n"
    "Follow a topic with /subscribe TOPIC (for example /subscribe news), or send "
    "/subscribe to pick from a list. /topics shows every topic, /help every command."
)
NO_TOPICS_YET = N_("There are no topics yet: the site has not published anything.")
FOLLOWS_NOTHING = N_("This chat follows no topic. /topics shows what there is.")
FOLLOWS_NOTHING_YET = N_(
    "This chat follows no topic yet. Try /subscribe, or /topics to see them all."
)
BROADCAST_ADMINS_ONLY = N_("Sorry, only the site's admins can broadcast.")
BROADCAST_USAGE = N_("Usage: /broadcast [#topic] TEXT — I'll show a preview first.")
STATS_ADMINS_ONLY = N_("Sorry, /stats is for the site's admins.")
STALE_BUTTON = N_("This button no longer works.")
TOPIC_GONE = N_("That topic no longer exists.")
NOT_FOLLOWED_ANY_MORE = N_("This chat does not follow that topic any more.")
NOT_YOUR_BROADCAST = N_("Only the admin who wrote this broadcast can send it.")
CANCEL = N_("Cancel")
CANCELLED = N_("Cancelled")
SORRY = N_("Sorry, something went wrong on my side. Please try again in a minute.")

# What a press on a broadcast's button says when the broadcast is past that point.
_ALREADY: dict[str, str] = {
    BroadcastState.DRAFT: N_("Not sent yet."),
    BroadcastState.SENDING: N_("Already sending."),
    BroadcastState.DONE: N_("Already sent."),
    BroadcastState.CANCELLED: N_("Already cancelled."),
    BroadcastState.RECALLED: N_("Already recalled."),
}
# The states as /stats names them.
_STATE_NAMES: dict[str, str] = {
    ChatState.ACTIVE: N_("active"),
    ChatState.STOPPED: N_("stopped"),
    ChatState.BLOCKED: N_("blocked"),
    DeliveryState.PENDING: N_("pending"),
    DeliveryState.SENDING: N_("sending"),
    DeliveryState.SENT: N_("sent"),
    DeliveryState.FAILED: N_("failed"),
    DeliveryState.DEAD: N_("dead"),
}


def help_text(admin: bool) -> str:
    """/help: every command, the admin ones for admins only."""
    lines = [f"/{name} — {html.escape(_(text))}" for name, text in COMMANDS.items()]
    if admin:
        lines += ["", _("For admins:")]
        lines += [f"/{name} — {html.escape(_(text))}" for name, text in ADMIN_COMMANDS.items()]
    lines += [
        "",
        _(
            "Topics are the site's categories and tags, in any case; #tag works too. "
            "In groups, only administrators can change what the group follows."
        ),
    ]
    return "\n".join(lines)


def names(
    header: str, topics: Sequence[TopicInfo | TopicCount], footer: str, limit: int = TEXT_LIMIT
) -> str:
    """An inline list of topic names in bold, within `limit`."""
    return bounded_list(
        header, [name_html(t.name) for t in topics], footer, separator=", ", limit=limit
    )


def names_in(
    template: str,
    topics: Sequence[TopicInfo | TopicCount],
    limit: int = TEXT_LIMIT,
    **fields: str,
) -> str:
    """A translated sentence with the topic names in place of its `{topics}`, within `limit`.

    The template is split at `{topics}` before the other fields are filled in, so a name
    holding "{topics}" cannot move the list.
    """
    header, _sep, footer = template.partition("{topics}")
    return names(header.format(**fields), topics, footer.format(**fields), limit)


def unknown_topic(wanted: str, known: Sequence[TopicCount]) -> str:
    """What the bot says about a word that names no topic, with the closest ones it knows."""
    by_key = {t.key: t for t in known}
    close = difflib.get_close_matches(topic_key(wanted), list(by_key), n=3, cutoff=0.5)
    parts = [_("I don't know the topic {topic}.").format(topic=name_html(wanted))]
    if close:
        parts.append(names_in(_("Did you mean {topics}?"), [by_key[k] for k in close]))
    parts.append(_("See /topics for all."))
    return " ".join(parts)


def unknown_topics(words: Sequence[str], known: Sequence[TopicCount]) -> str:
    """What /subscribe says about words that name no topic: hints for a few, a list for many."""
    if len(words) <= SUGGESTED_WORDS:
        return "\n".join(unknown_topic(word, known) for word in words)
    header, _sep, footer = _("I don't know the topics {topics}. See /topics for all.").partition(
        "{topics}"
    )
    return bounded_list(
        header, [name_html(word) for word in words], footer, separator=", ", limit=PART_LIMIT
    )


def subscribed(
    added: Sequence[TopicCount],
    already: Sequence[TopicCount],
    unknown: Sequence[str],
    known: Sequence[TopicCount],
) -> str:
    """/subscribe TOPIC...: what was added, what the chat already followed, what is unknown."""
    lines = []
    if added:
        template = ngettext(
            "Subscribed to {topics}. New posts on it will come here.",
            "Subscribed to {topics}. New posts on them will come here.",
            len(added),
        )
        lines.append(names_in(template, added, PART_LIMIT))
    if already:
        lines.append(names_in(_("This chat already follows {topics}."), already, PART_LIMIT))
    if unknown:
        lines.append(unknown_topics(unknown, known))
    return "\n".join(lines)


def topic_button(topic: TopicCount) -> str:
    return f"{shorten(topic.name, 30)} ({topic.posts})"


def pick_to_follow(shown: int, known: int) -> str:
    if known <= shown:
        return _("Pick a topic to follow:")
    return ngettext(
        "Pick a topic to follow (the {shown} biggest; /topics lists all {known}):",
        "Pick a topic to follow (the {shown} biggest; /topics lists all {known}):",
        shown,
    ).format(shown=shown, known=known)


def pick_to_stop(shown: int, followed: int) -> str:
    if followed <= shown:
        return _("Pick a topic to stop following:")
    return ngettext(
        "Pick a topic to stop following (the first {shown} of {followed}; "
        "/unsubscribe TOPIC stops any):",
        "Pick a topic to stop following (the first {shown} of {followed}; "
        "/unsubscribe TOPIC stops any):",
        shown,
    ).format(shown=shown, followed=followed)


def unsubscribed(name: str) -> str:
    return _("Unsubscribed from {topic}.").format(topic=name_html(name))


def not_followed(wanted: str, followed: Sequence[TopicInfo]) -> str:
    template = _("This chat does not follow {topic}. It follows {topics}.")
    return names_in(template, followed, topic=name_html(wanted))


def subscriptions(followed: Sequence[TopicInfo]) -> str:
    lines = [f"• {html.escape(shorten(t.name, 100))}" for t in followed]
    header = _("This chat follows:") + "\n"
    return bounded_list(header, lines, "\n\n" + _("/unsubscribe to stop one."))


def topics(known: Sequence[TopicCount]) -> str:
    lines = [f"• {html.escape(shorten(t.name, 100))} ({t.posts})" for t in known]
    header = _("Topics (posts):") + "\n"
    return bounded_list(header, lines, "\n\n" + _("Follow one with /subscribe TOPIC."))


def stopped(removed: int) -> str:
    if not removed:
        return _("Done: I stopped all messages to this chat. Send /start to come back.")
    return ngettext(
        "Done: I stopped all messages to this chat and forgot its {count} subscription. "
        "Send /start to come back.",
        "Done: I stopped all messages to this chat and forgot its {count} subscriptions. "
        "Send /start to come back.",
        removed,
    ).format(count=removed)


def subscribed_answer(name: str) -> str:
    """The answer on a pressed subscribe button (plain text)."""
    return _("Subscribed to {topic}").format(topic=name)


def subscribed_by_button(name: str) -> str:
    """The picker's message once a topic was picked."""
    return _("Subscribed to {topic}. /subscribe to add another.").format(topic=name_html(name))


def unsubscribed_answer(name: str) -> str:
    """The answer on a pressed unsubscribe button (plain text)."""
    # The name goes last: a long one is what gets shortened.
    return _("Unsubscribed (/subscribe to follow it again): {topic}").format(topic=name)


def unsubscribe_button(name: str) -> str:
    return _("Unsubscribe from {topic}").format(topic=shorten(name, 40))


def undo_button(name: str) -> str:
    """A note's button once its topic was left: follow it again."""
    return _("Undo: follow {topic} again").format(topic=shorten(name, 40))


def broadcast_problem(text: str) -> str | None:
    """Why a broadcast's text cannot go (empty, too long); None when it can."""
    if not text.strip():
        return _(BROADCAST_USAGE)
    length = telegram_length(text)
    if length > BROADCAST_TEXT_LIMIT:
        return ngettext(
            "That is {length} character; a broadcast can have at most {limit}.",
            "That is {length} characters; a broadcast can have at most {limit}.",
            length,
        ).format(length=length, limit=BROADCAST_TEXT_LIMIT)
    return None


def broadcast_preview(html_text: str, audience: int, topic: TopicCount | None) -> str:
    """A broadcast's preview, saying who will get it."""
    if topic:
        whom = ngettext(
            "Preview: this goes to the {count} chat following {topic}.",
            "Preview: this goes to the {count} chats following {topic}.",
            audience,
        ).format(count=audience, topic=html.escape(shorten(topic.name, 100)))
    else:
        whom = ngettext(
            "Preview: this goes to the {count} active chat.",
            "Preview: this goes to all {count} active chats.",
            audience,
        ).format(count=audience)
    return f"{html_text}\n\n<i>{whom}</i>"


def send_button(audience: int) -> str:
    return ngettext("Send to {count} chat", "Send to {count} chats", audience).format(
        count=audience
    )


def broadcast_cancelled(html_text: str) -> str:
    return f"{html_text}\n\n<i>{_('Cancelled: nothing was sent.')}</i>"


def already(state: str) -> str:
    """The answer on a broadcast's button pressed once it is past that point."""
    return _(_ALREADY.get(state, _ALREADY[BroadcastState.DONE]))


def sending_answer(queued: int) -> str:
    return ngettext("Sending to {count} chat", "Sending to {count} chats", queued).format(
        count=queued
    )


def with_progress(html_text: str, progress: Progress, seconds: float | None = None) -> str:
    """A broadcast's preview with its progress (or report) under it."""
    return f"{html_text}\n\n{progress_line(progress, seconds)}"


def progress_line(progress: Progress, seconds: float | None = None) -> str:
    """The footer of a broadcast preview while it goes out, and its final report."""
    if seconds is None:
        line = _("Sending… sent {sent}, failed {failed}, remaining {remaining}").format(
            sent=progress.sent,
            failed=progress.failed + progress.blocked,
            remaining=progress.remaining,
        )
    else:
        line = _("Done in {seconds} s: delivered {sent}, blocked {blocked}, failed {failed}.")
        line = line.format(
            seconds=f"{seconds:.0f}",
            sent=progress.sent,
            blocked=progress.blocked,
            failed=progress.failed,
        )
    return f"<i>{line}</i>"


def _counts(counts: Mapping[ChatState, int] | Mapping[DeliveryState, int]) -> str:
    """'3 active, 1 stopped': counts by state, or 'none'."""
    parts = [
        _("{count} {state}").format(count=n, state=_(_STATE_NAMES.get(state, state)))
        for state, n in sorted(counts.items())
    ]
    return ", ".join(parts) or _("none")


def format_stats(numbers: Stats) -> str:
    """The /stats report."""
    header = "\n".join(
        [
            _("<b>Chats</b>: {counts}").format(counts=_counts(numbers.chats)),
            _("<b>Deliveries</b>: {counts}").format(counts=_counts(numbers.deliveries)),
            *(html.escape(line) for line in changes_summary(numbers.changes)),
            _("<b>Subscriptions</b>:"),
            "",
        ]
    )
    if not numbers.subscriptions:
        return header + _("none")
    lines = [f"• {html.escape(shorten(t.name, 100))}: {t.chats}" for t in numbers.subscriptions]
    return bounded_list(header, lines)
