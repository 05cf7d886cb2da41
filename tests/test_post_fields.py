"""Tests for bot.domain.posts: each front-matter field, topic keys, which files are posts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import PurePosixPath

import pytest

from bot.domain.posts import MalformedPost, Post, parse_post
from bot.domain.topics import Topic, topic_key
from bot.scanning.files import is_post_file
from tests.support.posts import utc

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
        (
            "https://s.example",
            "https://other.example/a",
            "https://s.example/https:/other.example/a",
        ),
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
