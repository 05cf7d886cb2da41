"""Links as Jekyll builds them: named styles, placeholders, slugs and front-matter defaults.

Expected values are Jekyll 4's own outputs (features/permalinks.feature, test/test_url.rb,
test/test_utils.rb in jekyll/jekyll) or follow from its source (Drops::UrlDrop).
"""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.permalinks import (
    STYLES,
    Permalinks,
    ScopedPermalink,
    UnknownPlaceholder,
    post_link,
    slugify,
)
from bot.domain.posts import MalformedPost, parse_post
from bot.domain.site_config import SiteConfigError, parse

ROOT = Path(__file__).resolve().parents[1]

# features/permalinks.feature: "2009-03-27" posts, category "stuff" where there is one.
WHEN = datetime(2009, 3, 27, 22, 31, 7, tzinfo=UTC)


def link(
    template: str,
    name: str = "2009-03-27-pretty-permalink-schema.md",
    *,
    categories: Sequence[str] = (),
    when: datetime = WHEN,
    folder: str = "_posts",
) -> str:
    """The link of a post with this permalink, through the parser (YAML via JSON)."""
    text = (
        f"---\ntitle: x\ndate: {when:%Y-%m-%d %H:%M:%S} +0000\n"
        f"categories: {json.dumps(list(categories))}\npermalink: {json.dumps(template)}\n---\n"
    )
    return parse_post(text, f"{folder}/{name}").link


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("date", "/2009/03/27/pretty-permalink-schema.html"),
        ("pretty", "/2009/03/27/pretty-permalink-schema/"),
        ("ordinal", "/2009/086/pretty-permalink-schema.html"),
        ("weekdate", "/2009/W13/Fri/pretty-permalink-schema.html"),
        ("none", "/pretty-permalink-schema.html"),
    ],
)
def test_named_styles(style: str, expected: str) -> None:
    assert link(STYLES[style]) == expected


def test_named_styles_with_categories() -> None:
    assert link(STYLES["pretty"], categories=["Stuff", "More Things"]) == (
        "/stuff/more%20things/2009/03/27/pretty-permalink-schema/"
    )


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("/blog/:year/:month/:day/:title/", "/blog/2009/03/27/custom-permalink-schema/"),
        ("/:categories/:title.html", "/stuff/custom-permalink-schema.html"),
        ("/:month-:day-:year/:title.html", "/03-27-2009/custom-permalink-schema.html"),
        ("/:year:month:day:hour:minute:second.html", "/20090327223107.html"),
    ],
)
def test_feature_file_patterns(template: str, expected: str) -> None:
    name = "2009-03-27-custom-permalink-schema.md"
    assert link(template, name, categories=["stuff"]) == expected


def test_title_keeps_case_and_slug_does_not() -> None:
    # "Use pretty permalink schema with cased file name" / "custom ... with cased file name"
    name = "2009-03-27-Pretty-Permalink-Schema.md"
    assert link(STYLES["pretty"], name) == "/2009/03/27/Pretty-Permalink-Schema/"
    name = "2009-03-27-Custom-Schema.md"
    assert link("/:year/:month/:day/:slug/", name) == "/2009/03/27/custom-schema/"
    # "... with title containing underscore": pretty mode keeps "_".
    assert link(STYLES["pretty"], "2009-03-27-Custom_Schema.md") == "/2009/03/27/Custom_Schema/"


def test_every_date_placeholder() -> None:
    template = (
        "/:year/:short_year/:month/:i_month/:short_month/:long_month/:day/:i_day/:y_day"
        "/:w_year/:week/:w_day/:short_day/:long_day/:hour/:minute/:second"
    )
    when = datetime(2021, 1, 3, 4, 5, 6, tzinfo=UTC)  # a Sunday in ISO week 53 of 2020
    assert link(template, when=when) == (
        "/2021/21/01/1/Jan/January/03/3/003/2020/53/7/Sun/Sunday/04/05/06"
    )


def test_document_placeholders() -> None:
    # test_url.rb: "_methods/escape-+ #%20[].md" gives /methods/escape-+-20/escape-20.html
    assert (
        post_link(
            "/methods/:title/:name:output_ext",
            site_path="_methods/escape-+ #%20[].md",
            slug="escape-+ #%20[]",
            categories=[],
            when=WHEN,
        )
        == "/methods/escape-+-20/escape-20.html"
    )
    # ":slug_" is :slug then "_" (test_url.rb "check for key without trailing underscore").
    assert link("/:name-:slug_:collection_:title", "2009-03-27-Hello.md") == (
        "/2009-03-27-hello-hello_posts_Hello"
    )
    assert link("/:path/", "2009-03-27-x.md") == "/2009-03-27-x/"
    assert link("/x/:path", "2009-03-27-x.md", folder="news/_posts") == "/x/news/2009-03-27-x"
    assert link("/:slugified_categories/:title", categories=["Work 2 Progress", "B"]) == (
        "/work-2-progress/b/pretty-permalink-schema"
    )


def test_traversal_and_double_slashes_are_sanitised() -> None:
    # Jekyll's sanitize_url: ".." becomes "/", "./" goes, slashes squeeze.
    assert link("/../:title/./x//y") == "/pretty-permalink-schema/x/y"


def test_unknown_placeholder() -> None:
    with pytest.raises(UnknownPlaceholder, match=":headline"):
        post_link("/:headline/", site_path="x.md", slug="x", categories=[], when=WHEN)
    with pytest.raises(MalformedPost, match="unknown placeholder ':headline'"):
        parse_post("---\ntitle: x\npermalink: /:headline/\n---\n", "2025-05-01-x.md")


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Working with drafts", "working-with-drafts"),
        ("  Working with drafts   ", "working-with-drafts"),
        ("So what is Jekyll, exactly?", "so-what-is-jekyll-exactly"),
        ("كيف حالك؟", "كيف-حالك"),
        ("The _config.yml file", "the-config-yml-file"),
        ("Customizing Git - Git Hooks", "customizing-git-git-hooks"),
        ("5時〜6時 三・一四", "5時-6時-三-一四"),
        ("மல்லிப்பூ வகைகள்", "மல்லிப்பூ-வகைகள்"),
        ("💎", ""),
    ],
)
def test_slugify_default_mode(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_slugify_pretty_and_cased() -> None:
    assert slugify("The _config.yml file?", pretty=True) == "the-_config.yml-file"
    assert slugify("The _config.yml file?", pretty=True, cased=True) == "The-_config.yml-file"
    assert slugify("So what is Jekyll, exactly?", cased=True) == "So-what-is-Jekyll-exactly"


def _slugify_by_characters(text: str, *, pretty: bool, cased: bool) -> str:
    """Jekyll's rule character by character: what slugify does for any text."""
    pieces: list[str] = []
    for char in text:
        kind = unicodedata.category(char)
        if kind[0] in "LM" or kind == "Nd" or (pretty and char in "._~!$&'()+,;=@"):
            pieces.append(char)
        elif not pieces or pieces[-1] != "-":
            pieces.append("-")
    slug = "".join(pieces).strip("-")
    return slug if cased else slug.lower()


@given(
    text=st.text(alphabet=st.characters(max_codepoint=127)),
    pretty=st.booleans(),
    cased=st.booleans(),
)
def test_slugify_of_ascii_text_follows_the_character_rule(
    text: str, pretty: bool, cased: bool
) -> None:
    assert slugify(text, pretty=pretty, cased=cased) == _slugify_by_characters(
        text, pretty=pretty, cased=cased
    )


def test_defaults_permalink_applies_by_scope_and_front_matter_wins() -> None:
    links = Permalinks(
        defaults=(
            ScopedPermalink("/everything/:title/"),
            ScopedPermalink("/posts/:title/", type="posts"),
            ScopedPermalink("/pages/:title/", type="pages"),
            ScopedPermalink("/world/:title/", path="world/_posts", type="posts"),
            ScopedPermalink("", path="world/_posts/2025*"),  # no permalink: wins the scope
        )
    )
    assert links.default_permalink("_posts/2025-05-01-x.md") == "/posts/:title/"
    assert links.default_permalink("world/_posts/2025-05-01-x.md") == "/world/:title/"
    parsed = parse_post("---\ntitle: x\n---\n", "world/_posts/2025-05-01-x.md", links=links)
    assert parsed.link == "/world/x/"
    own = parse_post("---\ntitle: x\npermalink: /mine/\n---\n", "2025-05-01-x.md", links=links)
    assert own.link == "/mine/"


def test_a_longer_scope_without_permalink_keeps_an_earlier_one() -> None:
    # FrontmatterDefaults#all: B wins over A, then C loses to B, so A's permalink stays.
    links = Permalinks(
        defaults=(
            ScopedPermalink("/a/:title/"),
            ScopedPermalink("", path="_posts"),
            ScopedPermalink("/c/:title/"),
        )
    )
    assert links.default_permalink("_posts/2025-05-01-x.md") == "/a/:title/"
    # A leading "/" is compared as written by Jekyll, so it never matches.
    assert not ScopedPermalink("/z/", path="/_posts").applies("_posts/2025-05-01-x.md")


CONFIG = """
url: "https://example.github.io/"
baseurl: "/blog/"
permalink: pretty
timezone: America/New_York
collections_dir: coll
defaults:
  - scope: {path: "", type: pages}
    values: {layout: page, permalink: /:title/}
  - scope: {path: "coll/news/_posts"}
    values: {permalink: "/news/:year/:title:output_ext"}
  - "not a set"
"""


def test_parse_config() -> None:
    site = parse(CONFIG, source="/s/_config.yml", content_path="coll/news/_posts")
    assert site.url == "https://example.github.io/blog"
    assert site.timezone == "America/New_York"
    assert site.permalinks.template == STYLES["pretty"]
    assert site.permalinks.prefix == "news/_posts"
    assert site.permalinks.site_path("a.md") == "news/_posts/a.md"
    assert site.permalinks.default_permalink("news/_posts/a.md") == "/news/:year/:title:output_ext"
    assert site.permalinks.default_permalink("_posts/a.md") is None  # pages only


def test_config_collection_permalink_wins_and_is_taken_as_written() -> None:
    text = "permalink: date\ncollections:\n  posts:\n    permalink: /p/:title\n"
    assert parse(text, source="c").permalinks.template == "/p/:title"
    assert parse("", source="c").permalinks.template == STYLES["date"]
    assert parse("permalink: /:year/:title/", source="c").permalinks.template == "/:year/:title/"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("url: [", "c is not valid YAML"),
        ("- a list", "c is not a mapping"),
        ("permalink: /:headline/", "unknown placeholder ':headline'"),
    ],
)
def test_bad_config(text: str, message: str) -> None:
    with pytest.raises(SiteConfigError, match=message):
        parse(text, source="c")


def test_site_folder_categories_and_zone_reach_the_link() -> None:
    site = parse(CONFIG, source="c", content_path="coll/world/_posts")
    zone = timezone(timedelta(hours=-4))
    parsed = parse_post(
        "---\ntitle: x\ndate: 2025-05-01 22:00\n---\n", "2025-05-01-Big-Day.md",
        tz=zone, links=site.permalinks,
    )  # fmt: skip
    assert parsed.categories == ("world",)
    assert parsed.link == "/world/2025/05/01/Big-Day/"


@pytest.mark.parametrize(
    ("scope", "path", "applies"),
    [
        ("world/*", "world/_posts/2025-01-01-x.md", True),
        ("world/_posts/2025-??-*", "world/_posts/2025-01-01-x.md", True),
        ("*/_posts", "world/_posts/2025-01-01-x.md", True),
        ("*/_posts", "a/b/_posts/2025-01-01-x.md", False),
        ("**/_posts", "a/b/_posts/2025-01-01-x.md", True),
        ("**/_posts", "_posts/2025-01-01-x.md", True),
        ("a/**/x*", "a/b/c/x1/_posts/2025-01-01-x.md", True),
        ("wor?d/*", "world/_posts/2025-01-01-x.md", True),
        ("w*d*", "wood/_posts/2025-01-01-x.md", True),
        ("w*z", "world/_posts/2025-01-01-x.md", False),
        ("[ab]/*", "a/_posts/2025-01-01-x.md", False),  # Ruby's [] and {} are not supported
    ],
)
def test_scope_globs(scope: str, path: str, applies: bool) -> None:
    assert ScopedPermalink("/x/", path=scope).applies(path) is applies


def test_a_hostile_scope_glob_takes_no_exponential_time() -> None:
    """ "*a*a*…b" against "aaaa…" backtracks exponentially in a regex; the bot must not stall."""
    code = (
        "from bot.domain.permalinks import ScopedPermalink\n"
        "scope = ScopedPermalink('/x/', path='*a' * 20 + '*b')\n"
        "assert not scope.applies('a' * 60 + '/_posts/2025-01-01-x.md')\n"
    )
    # Its own process: a regex holds the GIL, so only a process can be given up on.
    subprocess.run([sys.executable, "-c", code], check=True, timeout=20, cwd=ROOT)
