"""What /filter says: the chat's keyword filters and what a change did, within Telegram's limits."""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.domain.filters import (
    MAX_COMMAND_WORDS,
    MAX_FILTERS,
    WORD_LIMIT,
    Added,
    ChatFilters,
    FilterProblem,
    FilterWord,
    words,
)
from bot.domain.i18n import N_, _, ngettext
from bot.domain.notes import TEXT_LIMIT
from bot.domain.replies import bounded_list, name_html

LISTING_LIMIT = 1800  # 20 words of 64 characters, with their headers, fit
# What a change did comes in up to four parts above the listing; each gets a share.
PART_LIMIT = (TEXT_LIMIT - LISTING_LIMIT - 8) // 4

USAGE = N_("Usage: /filter remove WORD (or /filter clear to drop them all).")
ADMIN_ONLY = N_("Only this group's administrators can change its keyword filters.")


def _words(header: str, shown: Sequence[str], footer: str, limit: int) -> str:
    return bounded_list(header, [name_html(w) for w in shown], footer, separator=", ", limit=limit)


def listing(filters: ChatFilters) -> str:
    """/filter alone: the chat's words, or how filters work when it has none."""
    if not filters:
        return _(
            "This chat has no keyword filters: every post of its topics comes here.\n"
            "/filter WORD: only posts mentioning WORD (add several to allow any of them).\n"
            "/filter -WORD: never posts mentioning WORD.\n"
            "Words match whole, in the title, the excerpt and the topics, in any case and with "
            "or without accents; at most {limit} words."
        ).format(limit=MAX_FILTERS)
    lines = []
    half = LISTING_LIMIT // 2 - 100
    if filters.include:
        lines.append(_words(_("Only posts mentioning: "), filters.include, ".", half))
    if filters.exclude:
        lines.append(_words(_("Never posts mentioning: "), filters.exclude, ".", half))
    count = len(filters)
    header = ngettext(
        "This chat has {count} keyword filter (of {limit}):",
        "This chat has {count} keyword filters (of {limit}):",
        count,
    ).format(count=count, limit=MAX_FILTERS)
    footer = _("/filter remove WORD drops one, /filter clear drops them all.")
    return "\n".join([header, *lines, footer])


def _shown(word: FilterWord) -> str:
    return word.word if word.include else f"-{word.word}"


_PROBLEMS = {
    FilterProblem.EMPTY: N_("{word} has no letter or digit: a filter is a word."),
    FilterProblem.SEVERAL: N_(
        "{word} is several words; a filter is one word (try /filter {first})."
    ),
    FilterProblem.TOO_LONG: N_("{word} is longer than {limit} characters."),
}


def problem(word: FilterWord, *, removing: bool = False) -> str:
    """Why a typed word was not taken; for several words, the /filter arguments that would
    take the first of them (normalised, as it would be stored), on the side asked for."""
    assert word.problem is not None
    first = next((w for w in words(word.typed) if len(w) <= WORD_LIMIT), "WORD")
    sign = "remove " if removing else "" if word.include else "-"
    return _(_PROBLEMS[word.problem]).format(
        word=name_html(word.typed), first=html.escape(sign + first), limit=WORD_LIMIT
    )


def ignored(count: int) -> str:
    return ngettext(
        "{count} more word was not read: send at most {limit} at once.",
        "{count} more words were not read: send at most {limit} at once.",
        count,
    ).format(count=count, limit=MAX_COMMAND_WORDS)


def added(
    outcomes: Sequence[tuple[FilterWord, Added | None]], filters: ChatFilters, dropped: int = 0
) -> str:
    """What /filter WORD... did with each word, then the chat's filters as they are now."""
    by: dict[Added, list[str]] = {outcome: [] for outcome in Added}
    refused = []
    for word, outcome in outcomes:
        if outcome is None:
            refused.append(problem(word))
        else:
            by[outcome].append(_shown(word))
    parts = []
    if by[Added.ADDED] or by[Added.SWITCHED]:
        new = by[Added.ADDED] + by[Added.SWITCHED]
        parts.append(_words(_("Added: "), new, ".", PART_LIMIT))
    if by[Added.ALREADY]:
        parts.append(_words(_("Already there: "), by[Added.ALREADY], ".", PART_LIMIT))
    if by[Added.FULL]:
        header = ngettext(
            "At most {limit} word per chat; not added: ",
            "At most {limit} words per chat; not added: ",
            MAX_FILTERS,
        ).format(limit=MAX_FILTERS)
        parts.append(_words(header, by[Added.FULL], ".", PART_LIMIT))
    if refused:
        parts.append(bounded_list("", refused, limit=PART_LIMIT))
    if dropped:
        parts.append(ignored(dropped))
    return "\n".join(parts) + "\n\n" + listing(filters)


def removed(word: FilterWord, done: bool) -> str:
    if word.problem is not None:
        return problem(word, removing=True)
    if done:
        return _("Removed the filter word {word}.").format(word=name_html(word.word))
    return _("This chat has no filter word {word}.").format(word=name_html(word.word))


def removed_all(results: Sequence[str], filters: ChatFilters, dropped: int = 0) -> str:
    """/filter remove WORD...: a line per word, then the filters left."""
    lines = bounded_list("", results, limit=TEXT_LIMIT - LISTING_LIMIT - 200)
    more = "\n" + ignored(dropped) if dropped else ""
    return f"{lines}{more}\n\n{listing(filters)}"


def cleared(count: int) -> str:
    if not count:
        return _("This chat had no keyword filters.")
    return ngettext(
        "Removed {count} keyword filter: every post of this chat's topics comes here again.",
        "Removed {count} keyword filters: every post of this chat's topics comes here again.",
        count,
    ).format(count=count)
