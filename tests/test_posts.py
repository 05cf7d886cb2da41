"""Tests for bot.domain.posts: real-world Jekyll front matter, malformed files, and fuzzing."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.posts import MalformedPost, Post, parse_post
from bot.domain.topics import Topic, topic_key
from bot.scanning.files import MAX_POST_BYTES, is_post_file, read_post

HERE = Path(__file__).parent
POSTS = HERE / "corpus" / "posts"
MALFORMED = HERE / "corpus" / "malformed"
CONTENT = HERE.parent / "content"
SEED = CONTENT / "2025-04-30-north-korea-first-road-bridge.md"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


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


# --- malformed files -----------------------------------------------------------------------

MALFORMED_REASONS = {
    "bad-yaml.md": "bad YAML front matter: expected ',' or ']', but got '<stream end>' "
    "(line 5, column 1)",
    "bad-mapping.md": "bad YAML front matter: mapping values are not allowed here "
    "(line 2, column 14)",
    "latin1.md": "not UTF-8 text (byte offset 14)",
    "missing-title.md": "missing title",
    "blank-title.md": "missing title",
    "title-list.md": "title is not text (got a list)",
    "bad-date.md": "bad date '2025-13-45'",
    "bad-date-words.md": "bad date 'next Tuesday'",
    "no-date.md": "no date (neither in front matter nor in the file name)",
    "empty.md": "file is empty",
    "no-front-matter.md": "no front matter",
    "unclosed-front-matter.md": "front matter is not closed (no second '---' line)",
    "front-matter-list.md": "front matter is not a mapping (got a list)",
}


def test_every_malformed_file_has_a_reason() -> None:
    assert {f.name for f in MALFORMED.iterdir() if f.suffix == ".md"} == set(MALFORMED_REASONS)


@pytest.mark.parametrize("name", sorted(MALFORMED_REASONS))
def test_malformed_file(name: str) -> None:
    with pytest.raises(MalformedPost) as caught:
        read_post(MALFORMED, MALFORMED / name)
    assert caught.value.path == name
    assert caught.value.reason == MALFORMED_REASONS[name]
    assert str(caught.value) == f"{name}: {MALFORMED_REASONS[name]}"


def test_huge_file(tmp_path: Path) -> None:
    file = tmp_path / "2025-01-01-huge.md"
    file.write_bytes(b"---\ntitle: Huge\n---\n" + b"a" * MAX_POST_BYTES)
    with pytest.raises(MalformedPost) as caught:
        read_post(tmp_path, file)
    assert caught.value.reason == f"file is too large ({MAX_POST_BYTES + 20} bytes)"


def test_largest_allowed_file(tmp_path: Path) -> None:
    head = b"---\ntitle: Big\n---\n\n"
    file = tmp_path / "2025-01-01-big.md"
    file.write_bytes(head + b"word " * ((MAX_POST_BYTES - len(head)) // 5))
    assert read_post(tmp_path, file).title == "Big"


def test_binary_file(tmp_path: Path) -> None:
    file = tmp_path / "2025-01-01-image.md"
    file.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
    with pytest.raises(MalformedPost) as caught:
        read_post(tmp_path, file)
    assert caught.value.reason == "binary file"


def test_whitespace_only_file_is_empty(tmp_path: Path) -> None:
    file = tmp_path / "2025-01-01-blank.md"
    file.write_bytes(b" \n\r\n\t")
    with pytest.raises(MalformedPost, match="file is empty"):
        read_post(tmp_path, file)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(MalformedPost) as caught:
        read_post(tmp_path, tmp_path / "missing.md")
    assert (caught.value.path, caught.value.reason) == ("missing.md", "No such file or directory")
    (tmp_path / "folder.md").mkdir()
    with pytest.raises(MalformedPost, match=r"not a regular file \(a folder\)"):
        read_post(tmp_path, tmp_path / "folder.md")


def test_file_outside_root(tmp_path: Path) -> None:
    with pytest.raises(MalformedPost, match="not inside the content folder"):
        read_post(tmp_path / "content", SEED)


def test_malformed_post_pickles() -> None:
    error = pickle.loads(pickle.dumps(MalformedPost("a.md", "missing title")))
    assert (error.path, error.reason, str(error)) == (
        "a.md",
        "missing title",
        "a.md: missing title",
    )


@pytest.mark.parametrize(
    ("front_matter", "reason"),
    [
        ("title: x\ndate: 2025-02-30", "bad date '2025-02-30'"),
        ("title: x\ndate: 2025-05-01 25:00", "bad date '2025-05-01 25:00'"),
        ("title: x\ndate: 2025-05-01 10:00 +2500", "bad date '2025-05-01 10:00 +2500'"),
        ("title: x\ndate: 0001-01-01 00:00 +0100", "bad date '0001-01-01 00:00 +0100'"),
        ("title: x\ndate: 20250501", "bad date '20250501'"),
        ("title: x\ndate: [2025]", "bad date (got a list)"),
        ("title: x\ndate: 1.5", "bad date '1.5'"),
        ("just text", "front matter is not a mapping (got text)"),
        ("42", "front matter is not a mapping (got a number)"),
        ("title: {a: b}", "title is not text (got a mapping)"),
        ("title: !!binary aGk=", "title is not text (got a bytes)"),
        (
            "title: !!python/object:os.system x",
            "bad YAML front matter: could not determine "
            "a constructor for the tag 'tag:yaml.org,2002:python/object:os.system' "
            "(line 2, column 8)",
        ),
        (
            "title: x\nn: " + "9" * 5000,
            "bad YAML front matter: Exceeds the limit (4300 digits) "
            "for integer string conversion: value has 5000 digits; use sys.set_int_max_str_digits()"
            " to increase the limit",
        ),
        ("title: " + "[" * 5000, "bad YAML front matter: nested too deeply"),
        (
            "title: a\0b",
            "bad YAML front matter: unacceptable character #x0000: special "
            "characters are not allowed",
        ),
    ],
)
def test_bad_front_matter(front_matter: str, reason: str) -> None:
    with pytest.raises(MalformedPost) as caught:
        parse_post(f"---\n{front_matter}\n---\nBody.\n", "x.md")
    assert caught.value.reason == reason


def test_yaml_error_line_counts_leading_blank_lines() -> None:
    with pytest.raises(MalformedPost) as caught:
        parse_post("\n\n---\ntitle: x\nbad: [\n---\n", "x.md")
    assert caught.value.reason.endswith("(line 6, column 1)")


# --- individual fields ---------------------------------------------------------------------


def post(front_matter: str, body: str = "Body.", path: str = "2025-05-01-x.md") -> Post:
    return parse_post(f"---\n{front_matter}\n---\n\n{body}\n", path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-04-30T23:54:17", utc(2025, 4, 30, 23, 54, 17)),
        ("2025-04-30T23:54:17Z", utc(2025, 4, 30, 23, 54, 17)),
        ("2025-04-30T23:54:17.25+02:00", utc(2025, 4, 30, 21, 54, 17, 250000)),
        ("'2025-04-30 23:54:17 +0300'", utc(2025, 4, 30, 20, 54, 17)),
        ("2025-04-30 23:54:17 -05:00", utc(2025, 5, 1, 4, 54, 17)),
        ("2025-04-30 23:54:17 -5", utc(2025, 5, 1, 4, 54, 17)),
        ("2025-04-30 23:54", utc(2025, 4, 30, 23, 54)),
        ("2025-4-3 9:05", utc(2025, 4, 3, 9, 5)),
        ("2025-04-30", utc(2025, 4, 30)),
        ('"2025-04-30 12:00:00 UTC"', utc(2025, 4, 30, 12)),
        ("", utc(2025, 5, 1)),  # blank: the file name's date
        ("''", utc(2025, 5, 1)),
    ],
)
def test_date_formats(value: str, expected: datetime) -> None:
    assert post(f"title: x\ndate: {value}").date == expected


def test_date_without_offset_is_in_the_given_zone() -> None:
    zone = timezone(timedelta(hours=-7))
    parsed = parse_post("---\ntitle: x\ndate: 2025-05-01 20:00\n---\n", "x.md", tz=zone)
    assert parsed.date == utc(2025, 5, 2, 3)
    # The URL uses the date where the site is, not in UTC.
    assert parsed.link == "/2025/05/01/x.html"


def test_date_that_leaves_the_calendar_in_the_site_zone() -> None:
    with pytest.raises(MalformedPost, match="bad date '9999-12-31 23:00:00"):
        parse_post(
            "---\ntitle: x\ndate: 9999-12-31 23:00 +0000\n---\n",
            "x.md",
            tz=timezone(timedelta(hours=5)),
        )


@pytest.mark.parametrize(
    ("value", "published"),
    [
        ("false", False),
        ("no", False),
        ("'false'", False),
        ("'No'", False),
        ("true", True),
        ("'yes'", True),
        ("0", True),
        ("", True),
    ],
)
def test_published(value: str, published: bool) -> None:
    assert post(f"title: x\npublished: {value}").published is published


@pytest.mark.parametrize(
    ("permalink", "link"),
    [
        ("/:year/:month/:day/:title.html", "/2025/05/01/x.html"),
        ("/:categories/:slug", "/a-b/c/x"),
        ("/:categories/:slug/", "/a-b/c/x/"),
        ("blog/:i_month/:short_year/:title", "/blog/5/25/x"),
        ("/news//:title/", "/news/x/"),
        ("/with space/:title", "/with%20space/x"),
        ("/already%20escaped/", "/already%20escaped/"),
        # Absolute templates are paths to Jekyll too: a link never leaves the site.
        ("HTTPS://example.com/:title", "/HTTPS:/example.com/x"),
    ],
)
def test_permalink(permalink: str, link: str) -> None:
    assert post(f"title: x\ncategories: [A-B, C]\npermalink: {permalink}").link == link


def test_default_link_without_categories_has_no_double_slash() -> None:
    assert post("title: x").link == "/2025/05/01/x.html"


def test_link_quotes_odd_categories_and_slugs() -> None:
    parsed = post("title: x\ncategories: ['Q&A?', '50%']", path="2025-05-01-what #1.md")
    # Categories are escaped as they are; :title is slugified first (Jekyll's UrlDrop#title).
    assert parsed.link == "/q&a%3F/50%25/2025/05/01/what-1.html"


@pytest.mark.parametrize(
    ("site", "link", "url"),
    [
        ("https://s.example", "/a.html", "https://s.example/a.html"),
        ("https://s.example/", "/a.html", "https://s.example/a.html"),
        ("https://s.example/blog/", "/a.html", "https://s.example/blog/a.html"),
        ("https://s.example", "https://other.example/a", "https://s.example/https:/other.example/a"),
    ],
)
def test_url(site: str, link: str, url: str) -> None:
    assert post(f"title: x\npermalink: '{link}'").url(site) == url


@pytest.mark.parametrize(
    ("image", "url"),
    [
        ("assets/a.jpg", "https://s.example/assets/a.jpg"),
        ("/assets/a.jpg", "https://s.example/assets/a.jpg"),
        ("/assets/my photo.jpg", "https://s.example/assets/my%20photo.jpg"),
        ("https://cdn.example/a.jpg", "https://cdn.example/a.jpg"),
        ("//cdn.example/a.jpg", "https://cdn.example/a.jpg"),
    ],
)
def test_image_url(image: str, url: str) -> None:
    parsed = post(f"title: x\nimage: '{image}'")
    assert parsed.image == image
    assert parsed.image_url("https://s.example/") == url


def test_no_image() -> None:
    assert post("title: x\nimage: ''").image_url("https://s.example") is None


def test_topics_deduplicate_by_key_first_spelling_wins() -> None:
    parsed = post(
        "title: x\ncategories: [World News, Tech]\ntags: [world_news, '#tech', AI, '---', ai]"
    )
    assert parsed.topics == (
        Topic(key="world-news", name="World News", kind="category"),
        Topic(key="tech", name="Tech", kind="category"),
        Topic(key="ai", name="AI", kind="tag"),
    )


def test_both_singular_and_plural_keys_count() -> None:
    parsed = post("title: x\ncategories: a b\ncategory: c d\ntags: [t]\ntag: u")
    assert parsed.categories == ("a", "b", "c d")
    assert parsed.tags == ("t", "u")


def test_title_whitespace_and_html_entities() -> None:
    assert post('title: "  Q&amp;A:\\t  the \\n  answers "').title == "Q&A: the answers"


def test_yaml_escapes_cannot_smuggle_lone_surrogates() -> None:
    parsed = post('title: "a\\ud800b"\nslug: "\\udc00"')
    assert parsed.title == "a\ufffdb"
    assert parsed.slug == "\ufffd"
    # Jekyll slugifies U+FFFD (a symbol) away, leaving an empty :title.
    assert parsed.link == "/2025/05/01/.html"


@pytest.mark.parametrize(
    ("front_matter", "body", "excerpt"),
    [
        ("excerpt: '*Bold* [claim](http://x)'", "Body.", "Bold claim"),
        ("excerpt: ''", "From the body.", "From the body."),
        ("", "## Only a heading\n\n- a list item", "a list item"),
        ("", "```\ncode\n```", ""),
        ("", "", ""),
        ("", "<script>alert(1)</script>\n\n<p>Text <b>here</b></p>", "Text here"),
        ("", "Para {: .lead}\n\n{:toc}", "Para"),
        ("", "<![if !supportLists]>\n\n<p>Pasted from Word</p><![endif]>", "Pasted from Word"),
        ("excerpt_separator: <!--more-->", "No separator.\n\nSecond.", "No separator."),
        ("excerpt_separator: ''", "First.\n\nSecond.", "First."),
        ("", "{% highlight ruby %}\nputs 1\n{% endhighlight %}\n\nProse.", "Prose."),
        ("", "Ti&shy;tle &copy; 2025 \\*not emphasis\\*", "Ti\u00adtle © 2025 *not emphasis*"),
    ],
)
def test_excerpt(front_matter: str, body: str, excerpt: str) -> None:
    assert post(f"title: x\n{front_matter}", body).excerpt == excerpt


# --- helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("World News", "world-news"),
        ("#Breaking", "breaking"),
        ("  world__news--2025 ", "world-news-2025"),
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),
        ("Cafe\u0301", "café"),
        ("Новости", "новости"),
        ("#", ""),
        (" - _ ", ""),
        ("", ""),
    ],
)
def test_topic_key(name: str, key: str) -> None:
    assert topic_key(name) == key


@pytest.mark.parametrize(
    ("path", "is_post"),
    [
        ("2025-01-01-a.md", True),
        ("news/_posts/2025-01-01-a.markdown", True),
        ("README.MD", True),
        ("a.txt", False),
        ("a.md~", False),
        ("a.md.swp", False),
        (".a.md", False),
        (".git/x.md", False),
        ("_drafts/a.md", False),
        ("news/_drafts/a.md", False),
        ("_drafts_old/a.md", False),
    ],
)
def test_is_post_file(path: str, is_post: bool) -> None:
    assert is_post_file(PurePosixPath(path)) is is_post


# --- fuzzing: nothing but MalformedPost may come out ---------------------------------------

YAMLISH = st.text(alphabet="-:[]{}!&*#|>'\"%@`\\,. \n\t\rabc0123456789Tt+Z_\ufeff\0\x85")
FIELD = st.sampled_from(
    [
        "title",
        "date",
        "categories",
        "category",
        "tags",
        "tag",
        "published",
        "permalink",
        "excerpt",
        "description",
        "excerpt_separator",
        "image",
        "author",
        "slug",
    ]
)
VALUE = st.one_of(
    YAMLISH,
    st.text(),
    st.sampled_from(
        [
            "2025-02-30",
            "9999-12-31 23:59 -0100",
            "0001-01-01 00:00 +0100",
            "[a, [b]]",
            "{a: 1}",
            "!!binary aGk=",
            "!!set {a}",
            "!!omap [a: 1]",
            "&a [*a]",
            "''",
            "~",
            "no",
            "1e999",
            "/:categories/:title",
            "https://x/:year",
            "<!--more-->",
            '"\\ud800"',
        ]
    ),
)
FRONT_MATTER = st.lists(st.tuples(FIELD, VALUE), max_size=8).map(
    lambda items: "\n".join(f"{key}: {value}" for key, value in items)
)
MARKDOWN = st.text(alphabet="#*_`[]()!<>/\\{}%|-=~&;:pa1 \n\t\r\u00a0\u200d\u0301é🚀")
PATH = st.sampled_from(
    [
        "x.md",
        "2025-05-01-x.md",
        "2025-13-45-x.md",
        "a/_posts/2025-05-01-.md",
        "_posts/x.md",
        "9999-12-31-x.md",
        "0001-01-01-x.md",
    ]
)


def check_parse(text: str, path: str) -> None:
    try:
        parsed = parse_post(text, path)
    except MalformedPost as error:
        assert error.path == path
        assert error.reason
        return
    assert parsed.title
    assert parsed.title == " ".join(parsed.title.split())
    assert parsed.date.utcoffset() == timedelta(0)
    assert parsed.link.startswith(("/", "http://", "https://", "HTTP"))
    assert "//" not in parsed.link.split("://", 1)[-1] or parsed.link.startswith("http")
    for topic in parsed.topics:
        assert topic.key == topic_key(topic.name) != ""
    parsed.url("https://s.example/")
    parsed.image_url("https://s.example/")


@settings(max_examples=400, deadline=None)
@given(text=st.text(), path=PATH)
def test_fuzz_any_text(text: str, path: str) -> None:
    check_parse(text, path)


@settings(max_examples=600, deadline=None)
@given(
    front_matter=FRONT_MATTER, body=MARKDOWN, path=PATH, lead=st.sampled_from(["", "\n", " \r\n"])
)
def test_fuzz_front_matter_and_body(front_matter: str, body: str, path: str, lead: str) -> None:
    check_parse(f"{lead}---\n{front_matter}\n---\n{body}", path)


@settings(max_examples=300, deadline=None)
@given(body=MARKDOWN, yaml=YAMLISH)
def test_fuzz_title_and_excerpt_fields(body: str, yaml: str) -> None:
    check_parse(f"---\ntitle: {yaml}\nexcerpt: {yaml}\n---\n{body}", "2025-05-01-x.md")
    check_parse(f"---\ntitle: t\nexcerpt_separator: '{yaml}'\n---\n{body}", "2025-05-01-x.md")


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=400) | st.text().map(lambda t: ("---\ntitle: x\n---\n" + t).encode())
)
def test_fuzz_read_post_bytes(tmp_path: Path, data: bytes) -> None:
    file = tmp_path / "2025-05-01-fuzz.md"
    file.write_bytes(data)
    try:
        read_post(tmp_path, file)
    except MalformedPost as error:
        assert error.path == "2025-05-01-fuzz.md"
