"""Tests for bot.domain.notes: layout, escaping, limits, and any-input properties."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.notes import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    Notification,
    render_broadcast,
    render_post,
    telegram_length,
)
from bot.scanning.files import read_post

CONTENT = Path(__file__).parent.parent / "content"
SEED = CONTENT / "2025-04-30-north-korea-first-road-bridge.md"
SITE = "https://news.example.com/"


class TelegramHTML(HTMLParser):
    """What Telegram makes of a message in parse_mode=HTML, for the subset render_post uses."""

    ALLOWED = {"b": set(), "a": {"href"}}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.ALLOWED:
            self.problems.append(f"tag <{tag}>")
        elif {name for name, _ in attrs} != self.ALLOWED[tag]:
            self.problems.append(f"attributes {attrs} on <{tag}>")
        elif self.open:
            self.problems.append(f"<{tag}> nested in <{self.open[-1]}>")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declaration")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("unknown declaration")


# The only entities Telegram understands: &lt; &gt; &amp; &quot; and numeric ones.
TELEGRAM_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")


def visible(html: str) -> str:
    """The text a Telegram user sees for html; fails if Telegram would reject html."""
    assert "&" not in TELEGRAM_ENTITY.sub("", html), "a bare & or an unknown entity"
    parser = TelegramHTML()
    parser.feed(html)
    parser.close()
    assert parser.problems == []
    assert parser.open == [], "unclosed tags"
    return "".join(parser.text)


def test_seed_post_renders_exactly() -> None:
    post = read_post(CONTENT, SEED)
    note = render_post(
        title=post.title,
        excerpt=post.excerpt,
        url=post.url(SITE),
        topics=[topic.name for topic in post.topics],
    )
    assert note == Notification(
        html="<b>Big News: North Korea - First road bridge to Russia 'significant' development</b>"
        "\n\n"
        "The announcement comes after North Korea confirmed for the first time its soldiers are "
        "fighting alongside Russia."
        "\n\n"
        '<a href="https://news.example.com/news/2025/04/30/north-korea-first-road-bridge.html">'
        "Read more</a>"
        "\n#News",
        photo=None,
    )


def test_seed_post_with_photo() -> None:
    post = read_post(CONTENT, SEED)
    photo = post.image_url(SITE)
    note = render_post(
        title=post.title, excerpt=post.excerpt, url=post.url(SITE), topics=["News"], photo=photo
    )
    assert note.photo == (
        "https://news.example.com/assets/images/b29b4ba7c1da8df16e0add9f27c33831.jpg"
    )
    assert note.html.startswith("<b>Big News: North Korea")


def test_escaping() -> None:
    note = render_post(
        title="<b>Tom & \"Jerry\"</b> 'x'",
        excerpt="a < b > c & d &amp; \"q\" 'r'",
        url="https://x.example/?a=1&b=\"2\"&c='3'<>",
        topics=["R&D", "<script>"],
    )
    assert note.html == (
        "<b>&lt;b&gt;Tom &amp; \"Jerry\"&lt;/b&gt; 'x'</b>\n\n"
        "a &lt; b &gt; c &amp; d &amp;amp; \"q\" 'r'\n\n"
        '<a href="https://x.example/?a=1&amp;b=&quot;2&quot;&amp;c=&#x27;3&#x27;&lt;&gt;">'
        "Read more</a>\n"
        "#R_D #_script_"
    )
    assert visible(note.html) == (
        "<b>Tom & \"Jerry\"</b> 'x'\n\na < b > c & d &amp; \"q\" 'r'\n\nRead more\n#R_D #_script_"
    )


@pytest.mark.parametrize(
    ("topics", "line"),
    [
        (["World News", "tech"], "#World_News #tech"),
        (["#Breaking"], "#Breaking"),
        (["Новости", "أخبار", "समाचार"], "#Новости #أخبار #समाचार"),
        (["C++", "e-mail", "2025"], "#C__ #e_mail #2025"),
        (["🚀 rockets"], "#__rockets"),
        (["news", "news", "---", " ", ""], "#news"),
    ],
)
def test_hashtags(topics: list[str], line: str) -> None:
    note = render_post(title="T", excerpt="E", url="https://x.example/", topics=topics)
    assert note.html.rsplit("\n", 1)[1] == line


def test_no_topics_no_hashtag_line() -> None:
    note = render_post(title="T", excerpt="E", url="https://x.example/", topics=[])
    assert note.html == '<b>T</b>\n\nE\n\n<a href="https://x.example/">Read more</a>'


def test_empty_excerpt_omits_its_paragraph() -> None:
    for excerpt in ("", "  \n "):
        note = render_post(title="T", excerpt=excerpt, url="https://x.example/", topics=["a"])
        assert note.html == '<b>T</b>\n\n<a href="https://x.example/">Read more</a>\n#a'


def test_empty_title_does_not_crash() -> None:
    note = render_post(title="", excerpt="E", url="https://x.example/", topics=[])
    assert visible(note.html) == "E\n\nRead more"


def test_long_excerpt_is_cut_at_a_word_boundary() -> None:
    excerpt = "The quick brown fox jumps over the lazy dog. " * 200
    note = render_post(title="Title", excerpt=excerpt, url="https://x.example/", topics=["a"])
    text = visible(note.html)
    assert telegram_length(text) <= TEXT_LIMIT
    shown = text.split("\n\n")[1]
    assert shown.endswith("…")
    assert excerpt.startswith(shown[:-1])
    # It ends on a whole word, and close to the limit.
    assert excerpt[len(shown) - 1] == " "
    assert telegram_length(text) > TEXT_LIMIT - 40


def test_cut_drops_dangling_punctuation() -> None:
    excerpt = "word, " * 1000
    note = render_post(title="T", excerpt=excerpt, url="https://x.example/", topics=[])
    shown = visible(note.html).split("\n\n")[1]
    assert shown.endswith("word…")


def test_cut_without_spaces_cuts_mid_word() -> None:
    note = render_post(title="T", excerpt="x" * 5000, url="https://x.example/", topics=[])
    text = visible(note.html)
    assert telegram_length(text) == TEXT_LIMIT
    # "T", "\n\n", "\n\n" and "Read more" take 14 units; "…" one more.
    assert text.split("\n\n")[1] == "x" * (TEXT_LIMIT - 15) + "…"


def test_cut_never_splits_an_emoji_or_entity() -> None:
    # 😀 is two UTF-16 units; & becomes &amp; in the HTML.
    for filler in ("😀", "&", "é\u0301", "👩\u200d🚀", "सा"):
        note = render_post(title="T", excerpt=filler * 5000, url="https://x.example/", topics=[])
        shown = visible(note.html).split("\n\n")[1]
        assert shown.endswith(filler + "…")
        assert telegram_length(visible(note.html)) <= TEXT_LIMIT


def test_photo_caption_limit() -> None:
    note = render_post(
        title="A title",
        excerpt="word " * 1000,
        url="https://x.example/",
        topics=["news"],
        photo="https://x.example/a.jpg",
    )
    assert note.photo == "https://x.example/a.jpg"
    text = visible(note.html)
    assert CAPTION_LIMIT - 10 <= telegram_length(text) <= CAPTION_LIMIT
    assert text.endswith("…\n\nRead more\n#news")


def test_huge_title_is_cut_and_excerpt_and_hashtags_go() -> None:
    title = "Headline " * 500
    note = render_post(
        title=title, excerpt="Excerpt.", url="https://x.example/", topics=["news"], photo="p"
    )
    text = visible(note.html)
    assert telegram_length(text) <= CAPTION_LIMIT
    shown, rest = text.split("\n\n", 1)
    assert shown.endswith("Headline…")
    assert title.startswith(shown[:-1])
    assert rest == "Read more"


def test_hashtag_line_that_cannot_fit_is_dropped_whole() -> None:
    topics = [f"topic{i}" for i in range(300)]
    note = render_post(title="T", excerpt="E", url="https://x.example/", topics=topics, photo="p")
    assert visible(note.html) == "T\n\nE\n\nRead more"


def test_no_stub_excerpt_in_a_little_room() -> None:
    title = "t" * (CAPTION_LIMIT - 30)
    note = render_post(
        title=title, excerpt="word " * 10, url="https://x.example/", topics=[], photo="p"
    )
    assert visible(note.html) == f"{title}\n\nRead more"
    note = render_post(
        title=title, excerpt="Short.", url="https://x.example/", topics=[], photo="p"
    )
    assert visible(note.html) == f"{title}\n\nShort.\n\nRead more"


def test_hashtags_win_over_the_excerpt() -> None:
    note = render_post(
        title="T", excerpt="e " * 2000, url="https://x.example/", topics=["news"], photo="p"
    )
    assert visible(note.html).endswith("Read more\n#news")


def test_telegram_length_counts_utf16_units() -> None:
    assert telegram_length("") == 0
    assert telegram_length("abc") == 3
    assert telegram_length("Привет") == 6
    assert telegram_length("😀") == 2
    assert telegram_length("👩\u200d🚀") == 5


def test_render_broadcast() -> None:
    assert render_broadcast("<b>Hello</b> all") == "📢 <b>Hello</b> all"


# --- properties for any input --------------------------------------------------------------

# Surrogate-free by default; some repetitions make texts far longer than any limit.
TEXT = st.one_of(
    st.text(),
    st.text(min_size=1, max_size=40).flatmap(
        lambda piece: st.integers(1, 3000).map(lambda count: piece * count)
    ),
    st.text(alphabet="<>&\"'; #\n\u200d\u0301😀ab", max_size=300),
)
URL = st.sampled_from(["https://x.example/p.html", 'https://x.example/?a=1&b="<>"', ""])


@settings(max_examples=500, deadline=None)
@given(
    title=TEXT,
    excerpt=TEXT,
    topics=st.lists(TEXT, max_size=30),
    url=URL,
    photo=st.none() | st.just("https://x.example/a.jpg"),
)
def test_any_input_gives_valid_html_within_the_limit(
    title: str, excerpt: str, topics: list[str], url: str, photo: str | None
) -> None:
    note = render_post(title=title, excerpt=excerpt, url=url, topics=topics, photo=photo)
    text = visible(note.html)
    assert telegram_length(text) <= (CAPTION_LIMIT if photo else TEXT_LIMIT)
    assert note.photo == photo
    # The title shows literally, whole or cut with "…".
    if text.startswith(title):
        return
    cuts = [i for i, char in enumerate(text) if char == "…" and title.startswith(text[:i])]
    assert cuts, (title, text)
