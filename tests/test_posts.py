"""Tests for bot.domain.posts: real-world Jekyll front matter (the corpus and the seed post).

Malformed files: test_malformed_posts.py; single fields: test_post_fields.py; fuzzing:
test_posts_fuzz.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain.posts import Post, parse_post
from bot.domain.topics import Topic
from bot.scanning.files import read_post
from tests.support.posts import utc

HERE = Path(__file__).parent
POSTS = HERE / "corpus" / "posts"
MALFORMED = HERE / "corpus" / "malformed"
CONTENT = HERE.parent / "content"
SEED = CONTENT / "2025-04-30-north-korea-first-road-bridge.md"


# Every corpus post with what Jekyll (and the bot) must make of it.
# Fields not listed must have these defaults:
DEFAULTS: dict[str, Any] = {
    "categories": (),
    "tags": (),
    "image": None,
    "author": None,
    "published": True,
}
EXPECTED: dict[str, dict[str, Any]] = {
    "2025-04-30-seed-style.md": {
        "title": "Big News: Kyiv - New metro line 'a milestone'",
        "date": utc(2025, 4, 30, 23, 54, 17),
        "slug": "seed-style",
        "categories": ("News",),
        "excerpt": "The line links the left bank to the centre for the first time.",
        "image": "assets/images/3f2a9c.jpg",
        "author": "badely",
        "link": "/news/2025/04/30/seed-style.html",
    },
    "2025-05-02-jekyll-offset.md": {
        "title": "Markets open higher",
        "date": utc(2025, 5, 2, 6, 15),
        "slug": "jekyll-offset",
        "categories": ("business",),
        "excerpt": "Shares rose in early trading.",
        "link": "/business/2025/05/02/jekyll-offset.html",
    },
    "2025-05-02-offset-crosses-midnight.md": {
        "title": "Late council vote",
        # 22:30 at -05:00 is the next day in UTC, and so is the URL (site time zone UTC).
        "date": utc(2025, 5, 3, 3, 30),
        "slug": "offset-crosses-midnight",
        "categories": ("Local",),
        "excerpt": "The council voted after midnight UTC.",
        "link": "/local/2025/05/03/offset-crosses-midnight.html",
    },
    "2025-05-03-date-only.md": {
        "title": "Weekly digest",
        "date": utc(2025, 5, 3),
        "slug": "date-only",
        "excerpt": "Everything from this week.",
        "link": "/2025/05/03/date-only.html",
    },
    "2025-05-04-filename-date.md": {
        "title": "Dated by its file name",
        "date": utc(2025, 5, 4),
        "slug": "filename-date",
        "excerpt": "No date in the front matter.",
        "link": "/2025/05/04/filename-date.html",
    },
    "2025-05-05-category-string.md": {
        "title": "Two categories in a string",
        "date": utc(2025, 5, 5, 8, 0),
        "slug": "category-string",
        "categories": ("World", "Politics"),
        "excerpt": "Jekyll splits a plural string on spaces.",
        "link": "/world/politics/2025/05/05/category-string.html",
    },
    "2025-05-06-category-numbers.md": {
        "title": "Numbers as categories",
        "date": utc(2025, 5, 6),
        "slug": "category-numbers",
        "categories": ("2025", "Elections", "3.5", "elections"),
        "tags": ("vote", "42"),
        "excerpt": "Items that are numbers become text, empty ones go.",
        "link": "/2025/elections/3.5/2025/05/06/category-numbers.html",
    },
    "2025-05-07-singular-tag.md": {
        "title": "Singular keys",
        "date": utc(2025, 5, 7),
        "slug": "singular-tag",
        "categories": ("Breaking News",),
        "tags": ("#Breaking",),
        "excerpt": "Jekyll never splits the singular keys.",
        "link": "/breaking%20news/2025/05/07/singular-tag.html",
    },
    "2025-05-08-unpublished.md": {
        "title": "Not yet",
        "date": utc(2025, 5, 8),
        "slug": "unpublished",
        "excerpt": "Embargoed.",
        "published": False,
        "link": "/2025/05/08/unpublished.html",
    },
    "2025-05-08-unpublished-string.md": {
        "title": "Not yet either",
        "date": utc(2025, 5, 8),
        "slug": "unpublished-string",
        "excerpt": "Embargoed too.",
        "published": False,
        "link": "/2025/05/08/unpublished-string.html",
    },
    "2025-05-09-permalink-placeholders.md": {
        "title": "Custom permalink",
        "date": utc(2025, 5, 9, 10),
        "slug": "permalink-placeholders",
        "categories": ("Business", "Tech"),
        "excerpt": "Pretty URL.",
        "link": "/business/tech/2025/05/09/permalink-placeholders/",
    },
    "2025-05-09-absolute-permalink.md": {
        "title": "Syndicated story",
        "date": utc(2025, 5, 9),
        "slug": "absolute-permalink",
        "excerpt": "Read it on the partner's site.",
        # Jekyll builds the page at this path: a post's link never leaves the site, whatever
        # its front matter says (an off-site "Read more" would be a phishing vector).
        "link": "/https:/partner.example.com/story/123%3Fref=news",
    },
    "2025-05-10-excerpt-separator.md": {
        "title": "Separator",
        "date": utc(2025, 5, 10),
        "slug": "excerpt-separator",
        "excerpt": "First part of the teaser. Second part, still teaser.",
        "link": "/2025/05/10/excerpt-separator.html",
    },
    "2025-05-11-liquid.md": {
        "title": "Liquid everywhere",
        "date": utc(2025, 5, 11),
        "slug": "liquid",
        # The include and the comment go whole; output tags leave no text behind.
        "excerpt": "Posted on : the real text.",
        "link": "/2025/05/11/liquid.html",
    },
    "2025-05-12-windows.md": {
        "title": "Saved on Windows",
        "date": utc(2025, 5, 12, 6),
        "slug": "windows",
        "tags": ("windows", "crlf"),
        "excerpt": "Line one line two.",
        "link": "/2025/05/12/windows.html",
    },
    "2025-05-13-bom.md": {
        "title": "Starts with a BOM",
        "date": utc(2025, 5, 13),
        "slug": "bom",
        "excerpt": "Notepad adds a byte order mark.",
        "link": "/2025/05/13/bom.html",
    },
    "2025-05-14-mojibake-title.md": {
        "title": "Kyiv’s mayor: ‘We will rebuild’",
        "date": utc(2025, 5, 14),
        "slug": "mojibake-title",
        "categories": ("Société",),
        "excerpt": "Fine body.",
        "author": "José Müller",
        "link": "/soci%C3%A9t%C3%A9/2025/05/14/mojibake-title.html",
    },
    "2025-05-15-cyrillic.md": {
        "title": "Новости: мост через Туманную",
        "date": utc(2025, 5, 15),
        "slug": "cyrillic",
        "categories": ("Новости", "Мир"),
        "tags": ("Россия",),
        "excerpt": "Строительство моста началось в среду.",
        "link": "/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/%D0%BC%D0%B8%D1%80"
        "/2025/05/15/cyrillic.html",
    },
    "2025-05-16-arabic.md": {
        "title": "أخبار عاجلة: افتتاح الجسر",
        "date": utc(2025, 5, 16),
        "slug": "arabic",
        "categories": ("أخبار",),
        "excerpt": "بدأ بناء الجسر يوم الأربعاء.",
        "link": "/%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1/2025/05/16/arabic.html",
    },
    "2025-05-17-emoji.md": {
        "title": "🚀 Launch day 🎉 — all systems go",
        "date": utc(2025, 5, 17),
        "slug": "emoji",
        "tags": ("space", "🚀 rockets"),
        "excerpt": "T-minus 10 👩\u200d🚀.",
        "link": "/2025/05/17/emoji.html",
    },
    "2025-05-18-html-body.md": {
        "title": "Imported from WordPress",
        "date": utc(2025, 5, 18),
        "slug": "html-body",
        "excerpt": "First real paragraph & more. Same paragraph.",
        "link": "/2025/05/18/html-body.html",
    },
    "2025-05-19-markdown-body.md": {
        "title": "Markdown before the paragraph",
        "date": utc(2025, 5, 19),
        "slug": "markdown-body",
        # Not the heading, the image, the code or the quote; link text, not its URL.
        "excerpt": "The bridge is finished — mostly done. Second line.",
        "link": "/2025/05/19/markdown-body.html",
    },
    "2025-05-20-numeric-title.md": {
        "title": "1984",
        "date": utc(2025, 5, 20),
        "slug": "numeric-title",
        "excerpt": "Fallback summary from the description.",
        "image": "/assets/1984.jpg",
        "author": "Orwell",
        "link": "/2025/05/20/numeric-title.html",
    },
    "world/_posts/2025-05-21-folder-categories.md": {
        "title": "Categories from folders",
        "date": utc(2025, 5, 21),
        "slug": "custom-slug",
        "categories": ("world", "Europe"),
        "excerpt": "Jekyll adds the folders above _posts.",
        "link": "/world/europe/2025/05/21/custom-slug.html",
    },
}


def test_every_corpus_post_has_expectations() -> None:
    files = {f.relative_to(POSTS).as_posix() for f in POSTS.rglob("*.md")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_post(name: str) -> None:
    post = read_post(POSTS, POSTS / name)
    expected = {**DEFAULTS, **EXPECTED[name], "path": name}
    actual = {field: getattr(post, field) for field in expected}
    assert actual == expected
    assert post.date.utcoffset() == timedelta(0)


def test_corpus_keeps_its_odd_bytes() -> None:
    # The corpus is only worth something if git keeps these bytes as they are.
    assert b"\r\n" in (POSTS / "2025-05-12-windows.md").read_bytes()
    assert (POSTS / "2025-05-13-bom.md").read_bytes().startswith(b"\xef\xbb\xbf")
    assert "â€™".encode() in (POSTS / "2025-05-14-mojibake-title.md").read_bytes()


# --- the real seed post --------------------------------------------------------------------


def test_seed_post() -> None:
    post = read_post(CONTENT, SEED)
    assert post == Post(
        path="2025-04-30-north-korea-first-road-bridge.md",
        title="Big News: North Korea - First road bridge to Russia 'significant' development",
        date=utc(2025, 4, 30, 23, 54, 17),
        slug="north-korea-first-road-bridge",
        categories=("News",),
        tags=(),
        excerpt="The announcement comes after North Korea confirmed for the first time "
        "its soldiers are fighting alongside Russia.",
        image="assets/images/b29b4ba7c1da8df16e0add9f27c33831.jpg",
        author="badely",
        published=True,
        link="/news/2025/04/30/north-korea-first-road-bridge.html",
    )
    assert post.topics == (Topic(key="news", name="News", kind="category"),)
    assert post.url("https://news.example.com/") == (
        "https://news.example.com/news/2025/04/30/north-korea-first-road-bridge.html"
    )
    assert post.image_url("https://news.example.com") == (
        "https://news.example.com/assets/images/b29b4ba7c1da8df16e0add9f27c33831.jpg"
    )


def test_seed_body_excerpt_repairs_mojibake() -> None:
    # Without its front matter excerpt, the seed's first paragraph is the excerpt.
    text = SEED.read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("excerpt:"))
    post = parse_post(text, SEED.name)
    assert post.excerpt.startswith("Here’s what you need to know: North Korea has said ")
    assert post.excerpt.endswith("according to the country's state media KCNA.")


def test_seed_in_another_time_zone() -> None:
    # A date without an offset is in the site's zone: 23:54 in Seoul is 14:54 UTC.
    post = read_post(CONTENT, SEED, tz=ZoneInfo("Asia/Seoul"))
    assert post.date == utc(2025, 4, 30, 14, 54, 17)
    assert post.link == "/news/2025/04/30/north-korea-first-road-bridge.html"
