"""Keyword filters: words compared whole, without case or accents; no user regular expressions.

A chat's include words keep only the posts that mention one of them; its exclude words drop
the posts that mention any. A post "mentions" a word when the word is one of the words of its
title, excerpt or topic names, each normalised the same way (`normalise`): NFKD, combining marks
dropped, casefolded. So "Café", "CAFE" and "café" are one word, and "cafeteria" another.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

MAX_FILTERS = 20  # words per chat
WORD_LIMIT = 64  # characters of a stored word; a longer word in a post matches no filter
MAX_COMMAND_WORDS = 2 * MAX_FILTERS  # words of one /filter command read; the rest are ignored
MAX_POST_WORDS = 5000  # distinct words kept of one post (a title and an excerpt have far fewer)

# A word is a run of letters and digits: punctuation, spaces, "_" and "-" separate words.
_WORD = re.compile(r"[^\W_]+")


def normalise(text: str) -> str:
    """`text` without case or accents: NFKD, combining marks dropped, casefolded, NFKC again."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    # casefold() may produce characters NFKD would split again ("ǰ"); one more pass settles it.
    folded = unicodedata.normalize("NFKD", stripped.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The normalised words of `text`, in order, repeats included."""
    return _WORD.findall(normalise(text))


def post_words(title: str, excerpt: str, topic_names: Iterable[str]) -> set[str]:
    """The distinct words a filter can match in a post: its title, excerpt and topics."""
    found: set[str] = set()
    for text in (*topic_names, title, excerpt):
        for word in words(text):
            if len(word) <= WORD_LIMIT:
                found.add(word)
                if len(found) == MAX_POST_WORDS:
                    return found
    return found


@dataclass(frozen=True)
class ChatFilters:
    """A chat's filter words, each normalised, in alphabetical order."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.include) + len(self.exclude)

    def allows(self, mentioned: set[str]) -> bool:
        """Whether a post with these words reaches the chat (the database decides the same)."""
        if any(word in mentioned for word in self.exclude):
            return False
        return not self.include or any(word in mentioned for word in self.include)


class Added(StrEnum):
    """What adding one filter word did."""

    ADDED = "added"
    ALREADY = "already"  # the chat had this word, the same way round
    SWITCHED = "switched"  # the chat had this word the other way round: now this way
    FULL = "full"  # the chat already has MAX_FILTERS words


class FilterAction(StrEnum):
    """What a /filter command asks for."""

    LIST = "list"
    ADD = "add"
    REMOVE = "remove"
    CLEAR = "clear"
    USAGE = "usage"  # "/filter remove" without a word: say how to use it


@dataclass(frozen=True)
class FilterWord:
    """One word of a /filter command: as typed, normalised, and whether it excludes."""

    typed: str
    word: str  # normalised; "" when the text held no letter or digit
    include: bool = True
    problem: FilterProblem | None = None


class FilterProblem(StrEnum):
    """Why a typed word cannot be a filter."""

    EMPTY = "empty"  # no letter or digit at all
    SEVERAL = "several"  # "covid-19": two words; filters match one word
    TOO_LONG = "too-long"


@dataclass(frozen=True)
class FilterCommand:
    """A parsed /filter command."""

    action: FilterAction
    words: tuple[FilterWord, ...] = field(default=())
    ignored: int = 0  # words past MAX_COMMAND_WORDS


def filter_word(typed: str, *, include: bool = True) -> FilterWord:
    """What `typed` means as a filter word, or why it cannot be one."""
    found = words(typed)
    problem = None
    if not found:
        problem = FilterProblem.EMPTY
    elif len(found) > 1:
        problem = FilterProblem.SEVERAL
    elif len(found[0]) > WORD_LIMIT:
        problem = FilterProblem.TOO_LONG
    return FilterWord(typed, found[0] if problem is None else "", include, problem)


def parse_filter(args: Iterable[str]) -> FilterCommand:
    """`/filter [WORD | -WORD | +WORD | remove WORD | clear]...`; any text parses.

    Several words may be given at once (`/filter korea -sport`). "+WORD" includes a word that
    would otherwise read as a keyword ("/filter +clear").
    """
    items = [a for a in args if a]
    ignored = max(len(items) - 1 - MAX_COMMAND_WORDS, 0)
    items = items[: MAX_COMMAND_WORDS + 1]  # the first may be a keyword
    if not items:
        return FilterCommand(FilterAction.LIST)
    first = items[0].casefold()
    if first == "clear" and len(items) == 1:
        return FilterCommand(FilterAction.CLEAR)
    if first == "remove":
        if len(items) == 1:
            return FilterCommand(FilterAction.USAGE)
        removed = tuple(filter_word(item.lstrip("+-")) for item in items[1:])
        return FilterCommand(FilterAction.REMOVE, removed, ignored)
    if len(items) > MAX_COMMAND_WORDS:
        ignored, items = ignored + 1, items[:MAX_COMMAND_WORDS]
    parsed = []
    for item in items:
        include = not item.startswith("-")
        parsed.append(filter_word(item[1:] if item[:1] in "+-" else item, include=include))
    return FilterCommand(FilterAction.ADD, tuple(parsed), ignored)
