"""Every reply the bot's commands and buttons give, as Telegram HTML: pure functions of data."""

from __future__ import annotations

import difflib
import html
from collections.abc import Sequence

from bot.domain.broadcasts import Progress
from bot.domain.callbacks import shorten
from bot.domain.notes import TEXT_LIMIT, telegram_length
from bot.domain.replies import bounded_list, name_html
from bot.domain.stats import Stats
from bot.domain.topics import TopicCount, TopicInfo, topic_key

COMMANDS = {
    "start": "Start getting news (/start TOPIC follows a topic right away)",
    "subscribe": "Follow a topic: /subscribe TOPIC, or pick from a list",
    "unsubscribe": "Stop following a topic",
    "subscriptions": "The topics this chat follows",
    "filter": "Keyword filters: /filter WORD, /filter -WORD, /filter remove WORD",
    "latest": "The newest posts of this chat's topics: /latest [TOPIC]",
    "topics": "Every category and tag, with post counts",
    "stop": "Stop all messages to this chat",
    "help": "What I can do",
}
ADMIN_COMMANDS = {
    "broadcast": "Send a message to every chat: /broadcast [#topic] TEXT",
    "stats": "Chats, subscriptions and deliveries",
}

# /subscribe answers in up to three parts (added, already followed, unknown): each gets a third.
PART_LIMIT = (TEXT_LIMIT - 2) // 3
SUGGESTED_WORDS = 3  # unknown words that get "did you mean"; more are only listed
BROADCAST_TEXT_LIMIT = 3800  # leaves room for the progress lines under the preview
KEYBOARD_TOPICS = 30  # buttons in a topic picker

ADMIN_ONLY = "Only this group's administrators can change what it follows."
START_REFUSED = f"Hi! {ADMIN_ONLY} Send /help to see what I can do."
WELCOME = (
    "Hi! I send a short note with a link whenever the site publishes a post on a topic "
    "you follow.\n\n"
    "Follow a topic with /subscribe TOPIC (for example /subscribe news), or send "
    "/subscribe to pick from a list. /topics shows every topic, /help every command."
)
NO_TOPICS_YET = "There are no topics yet: the site has not published anything."
FOLLOWS_NOTHING = "This chat follows no topic. /topics shows what there is."
FOLLOWS_NOTHING_YET = "This chat follows no topic yet. Try /subscribe, or /topics to see them all."
BROADCAST_ADMINS_ONLY = "Sorry, only the site's admins can broadcast."
BROADCAST_USAGE = "Usage: /broadcast [#topic] TEXT — I'll show a preview first."
STATS_ADMINS_ONLY = "Sorry, /stats is for the site's admins."
STALE_BUTTON = "This button no longer works."
TOPIC_GONE = "That topic no longer exists."
NOT_FOLLOWED_ANY_MORE = "This chat does not follow that topic any more."
NOT_YOUR_BROADCAST = "Only the admin who wrote this broadcast can send it."
CANCEL = "Cancel"
CANCELLED = "Cancelled"
SORRY = "Sorry, something went wrong on my side. Please try again in a minute."


def help_text(admin: bool) -> str:
    """/help: every command, the admin ones for admins only."""
    lines = [f"/{name} — {html.escape(text)}" for name, text in COMMANDS.items()]
    if admin:
        lines += ["", "For admins:"]
        lines += [f"/{name} — {html.escape(text)}" for name, text in ADMIN_COMMANDS.items()]
    lines += [
        "",
        "Topics are the site's categories and tags, in any case; #tag works too. "
        "In groups, only administrators can change what the group follows.",
    ]
    return "\n".join(lines)


def names(
    header: str, topics: Sequence[TopicInfo | TopicCount], footer: str, limit: int = TEXT_LIMIT
) -> str:
    """An inline list of topic names in bold, within `limit`."""
    return bounded_list(
        header, [name_html(t.name) for t in topics], footer, separator=", ", limit=limit
    )


def unknown_topic(wanted: str, known: Sequence[TopicCount]) -> str:
    """What the bot says about a word that names no topic, with the closest ones it knows."""
    by_key = {t.key: t for t in known}
    close = difflib.get_close_matches(topic_key(wanted), list(by_key), n=3, cutoff=0.5)
    hint = names(" Did you mean ", [by_key[k] for k in close], "?") if close else ""
    return f"I don't know the topic {name_html(wanted)}.{hint} See /topics for all."


def unknown_topics(words: Sequence[str], known: Sequence[TopicCount]) -> str:
    """What /subscribe says about words that name no topic: hints for a few, a list for many."""
    if len(words) <= SUGGESTED_WORDS:
        return "\n".join(unknown_topic(word, known) for word in words)
    return bounded_list(
        "I don't know the topics ",
        [name_html(word) for word in words],
        ". See /topics for all.",
        separator=", ",
        limit=PART_LIMIT,
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
        footer = ". New posts on it will come here."
        lines.append(names("Subscribed to ", added, footer, PART_LIMIT))
    if already:
        lines.append(names("This chat already follows ", already, ".", PART_LIMIT))
    if unknown:
        lines.append(unknown_topics(unknown, known))
    return "\n".join(lines)


def topic_button(topic: TopicCount) -> str:
    return f"{shorten(topic.name, 30)} ({topic.posts})"


def pick_to_follow(shown: int, known: int) -> str:
    more = f" (the {shown} biggest; /topics lists all {known})" if known > shown else ""
    return f"Pick a topic to follow{more}:"


def pick_to_stop(shown: int, followed: int) -> str:
    more = (
        f" (the first {shown} of {followed}; /unsubscribe TOPIC stops any)"
        if followed > shown
        else ""
    )
    return f"Pick a topic to stop following{more}:"


def unsubscribed(name: str) -> str:
    return f"Unsubscribed from {name_html(name)}."


def not_followed(wanted: str, followed: Sequence[TopicInfo]) -> str:
    return names(f"This chat does not follow {name_html(wanted)}. It follows ", followed, ".")


def subscriptions(followed: Sequence[TopicInfo]) -> str:
    lines = [f"• {html.escape(shorten(t.name, 100))}" for t in followed]
    return bounded_list("This chat follows:\n", lines, "\n\n/unsubscribe to stop one.")


def topics(known: Sequence[TopicCount]) -> str:
    lines = [f"• {html.escape(shorten(t.name, 100))} ({t.posts})" for t in known]
    return bounded_list("Topics (posts):\n", lines, "\n\nFollow one with /subscribe TOPIC.")


def stopped(removed: int) -> str:
    followed = f" and forgot its {removed} subscription(s)" if removed else ""
    return f"Done: I stopped all messages to this chat{followed}. Send /start to come back."


def subscribed_answer(name: str) -> str:
    """The answer on a pressed subscribe button (plain text)."""
    return f"Subscribed to {name}"


def subscribed_by_button(name: str) -> str:
    """The picker's message once a topic was picked."""
    return f"Subscribed to {name_html(name)}. /subscribe to add another."


def unsubscribed_answer(name: str) -> str:
    """The answer on a pressed unsubscribe button (plain text)."""
    # The name goes last: a long one is what gets shortened.
    return f"Unsubscribed (/subscribe to follow it again): {name}"


def unsubscribe_button(name: str) -> str:
    return f"Unsubscribe from {shorten(name, 40)}"


def broadcast_problem(text: str) -> str | None:
    """Why a broadcast's text cannot go (empty, too long); None when it can."""
    if not text.strip():
        return BROADCAST_USAGE
    length = telegram_length(text)
    if length > BROADCAST_TEXT_LIMIT:
        return f"That is {length} characters; a broadcast can have at most {BROADCAST_TEXT_LIMIT}."
    return None


def broadcast_preview(html_text: str, audience: int, topic: TopicCount | None) -> str:
    """A broadcast's preview, saying who will get it."""
    whom = (
        f"the {audience} chats following {shorten(topic.name, 100)}"
        if topic
        else f"all {audience} active chats"
    )
    return f"{html_text}\n\n<i>Preview: this goes to {html.escape(whom)}.</i>"


def send_button(audience: int) -> str:
    return f"Send to {audience} chats"


def broadcast_cancelled(html_text: str) -> str:
    return f"{html_text}\n\n<i>Cancelled: nothing was sent.</i>"


def already(state: str) -> str:
    return f"Already {state}."


def sending_answer(queued: int) -> str:
    return f"Sending to {queued} chats"


def with_progress(html_text: str, progress: Progress, seconds: float | None = None) -> str:
    """A broadcast's preview with its progress (or report) under it."""
    return f"{html_text}\n\n{progress_line(progress, seconds)}"


def progress_line(progress: Progress, seconds: float | None = None) -> str:
    """The footer of a broadcast preview while it goes out, and its final report."""
    if seconds is None:
        return (
            f"<i>Sending… sent {progress.sent}, failed {progress.failed + progress.blocked}, "
            f"remaining {progress.remaining}</i>"
        )
    return (
        f"<i>Done in {seconds:.0f} s: delivered {progress.sent}, blocked {progress.blocked}, "
        f"failed {progress.failed}.</i>"
    )


def format_stats(numbers: Stats) -> str:
    """The /stats report."""
    chats = ", ".join(f"{n} {status}" for status, n in sorted(numbers.chats.items())) or "none"
    deliveries = (
        ", ".join(f"{n} {status}" for status, n in sorted(numbers.deliveries.items())) or "none"
    )
    header = f"<b>Chats</b>: {chats}\n<b>Deliveries</b>: {deliveries}\n<b>Subscriptions</b>:\n"
    if not numbers.subscriptions:
        return header + "none"
    lines = [f"• {html.escape(shorten(t.name, 100))}: {t.chats}" for t in numbers.subscriptions]
    return bounded_list(header, lines)
