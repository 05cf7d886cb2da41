"""A post's image: only ever an http(s) URL Telegram fetches, never a local file we upload."""

from __future__ import annotations

import asyncio
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from bot.domain.posts import parse_post
from bot.domain.scans import FileSeen
from bot.domain.urls import is_web_url, join_url, photo_url, quote_path
from bot.messaging.pacing import shared_limiter
from bot.messaging.sender import Sender
from bot.messaging.transport import sender_bot
from storage.models import Post as PostRow
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import first_scan_done, say, titles
from tests.support.fake_telegram import FakeTelegram, Upload
from tests.support.posts import SEED, write_post
from tests.support.settings import settings_for

ALICE = 1001
SITE = "https://s.example"


@pytest.mark.parametrize(
    ("image", "site_url"),
    [
        ("/etc/hostname", ""),
        ("etc/hostname", ""),
        ("../newsbot.db", ""),
        ("file:///etc/hostname", ""),
        ("file:///etc/hostname", SITE),
        ("FILE:///etc/hostname", SITE),
        ("javascript:alert(1)", SITE),
        ("data:image/png;base64,iVBORw0KGgo=", SITE),
        ("ftp://files.example/a.jpg", SITE),
        ("C:\\photos\\a.jpg", SITE),
        ("https:///etc/hostname", SITE),
        ("http://[::1/a.jpg", SITE),
        ("/img/a.jpg", "news.example"),  # a SITE_URL without a scheme makes no URL
    ],
)
def test_anything_but_an_http_url_is_no_photo(image: str, site_url: str) -> None:
    assert photo_url(image, site_url) is None
    post = parse_post(f"---\ntitle: x\ndate: 2025-01-01\nimage: '{image}'\n---\n", "x.md")
    assert post.image == image
    assert post.image_url(site_url) is None


@pytest.mark.parametrize(
    ("image", "site_url", "url"),
    [
        ("/img/a.jpg", SITE, "https://s.example/img/a.jpg"),
        ("img/a.jpg", "http://s.example/blog", "http://s.example/blog/img/a.jpg"),
        ("HTTPS://cdn.example/a.jpg", "", "HTTPS://cdn.example/a.jpg"),
        ("//cdn.example/a.jpg", "", "https://cdn.example/a.jpg"),
    ],
)
def test_http_urls_given_or_made_absolute_are_photos(image: str, site_url: str, url: str) -> None:
    assert photo_url(image, site_url) == url
    assert is_web_url(url)


SITE_URLS = ["https://s.example", "http://s.example/blog/", "", "s.example", "https:", "https://"]
SITE_URLS += ["https:/s.example", "https://[::1", "https://s.example#f", "https://s.example?q=1"]
SITE_URLS += ["ftp://s.example", "HTTPS://S.EXAMPLE:8080/", "https://u@s.example", " https://s"]


def photo_url_by_parsing(image: str, site_url: str) -> str | None:
    """photo_url with the whole URL parsed, for every image (what it shortens for paths)."""
    scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", image)
    if scheme is not None and scheme[1].lower() not in ("http", "https"):
        return None
    url = join_url(site_url, quote_path(image))
    return url if is_web_url(url) else None


@given(
    image=st.text(alphabet="/:%?#@[]. \tab\n1", max_size=12),
    site_url=st.sampled_from(SITE_URLS) | st.text(alphabet="htps:/x.[]#?@ \t", max_size=12),
)
def test_photo_url_is_the_parsed_urls(image: str, site_url: str) -> None:
    assert photo_url(image, site_url) == photo_url_by_parsing(image, site_url)


async def started(
    newsbot: BotFactory, store: Store, content: Path, fake: FakeTelegram, **extra: str
) -> None:
    """A bot on a site with history, and ALICE subscribed to news."""
    shutil.copy(SEED, content / SEED.name)
    await newsbot(**extra)
    await first_scan_done(store)
    assert "Subscribed" in await say(fake, "/subscribe news", ALICE)


def uploads(fake: FakeTelegram) -> list[str]:
    """The methods of every call that uploaded a file."""
    return [c.method for c in fake.calls if any(isinstance(v, Upload) for v in c.params.values())]


async def test_a_post_naming_a_local_file_goes_as_text_with_one_warning_and_no_upload(
    newsbot: BotFactory,
    store: Store,
    content: Path,
    fake: FakeTelegram,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not for Telegram")
    # `run` refuses to start without SITE_URL, so paths always become http(s) URLs there;
    # what is left is every other scheme (paths without SITE_URL: the unit tests above).
    images = {
        "file-uri": secret.as_uri(),
        "javascript": "javascript:alert(1)",
        "data": "data:image/png;base64,iVBORw0KGgo=",
    }
    await started(newsbot, store, content, fake)
    for name, image in images.items():
        write_post(content, f"2026-01-20-{name}.md", name.title(), extra=f"image: '{image}'\n")
    expected = sorted(name.title() for name in images)
    await fake.wait_for(lambda: sorted(titles(fake, ALICE)) == expected, 10)
    await asyncio.sleep(0.6)  # a few more scans: each file is warned about once, not per scan

    assert uploads(fake) == []
    notes = [m for m in fake.messages_to(ALICE) if (m.text or "").startswith("<b>")]
    assert [m.method for m in notes] == ["sendMessage"] * len(images)
    for name in images:
        warnings = [
            r for r in caplog.records if r.levelname == "WARNING" and name in r.getMessage()
        ]
        assert len(warnings) == 1, [r.getMessage() for r in warnings]
        assert "not an http(s) URL" in warnings[0].getMessage()


@pytest.mark.parametrize(
    "stored",
    ["/etc/hostname", "file:///etc/hostname", "pyproject.toml", "https:"],
)
async def test_the_sender_never_hands_ptb_a_photo_that_is_not_an_http_url(
    store: Store, fake: FakeTelegram, database_url: str, content: Path, stored: str
) -> None:
    """A row queued before this check existed (or written by hand) still goes as text."""
    settings = settings_for(fake, database_url, content, SITE_URL="")
    now = datetime.now(UTC)
    await store.apply_scan([], [], now)  # the first scan: an empty site
    await store.subscribe(ALICE, "private", "", "news", now)
    post = parse_post(
        "---\ntitle: Stored\ndate: 2025-01-01\ncategories: [News]\nimage: /a.jpg\n---\n",
        "2025-01-01-stored.md",
    )
    result = await store.apply_scan([FileSeen(post.path, 1, 1, post)], [], now)
    assert [a.recipients for a in result.announced] == [1]
    async with store.engine.begin() as conn:
        await conn.execute(update(PostRow).values(image_url=stored))

    limiter = shared_limiter(settings, store)
    stop = asyncio.Event()
    async with sender_bot(settings, 8) as bot:
        sender = Sender(store, bot, limiter, settings)
        task = asyncio.create_task(sender.run(stop))
        await fake.wait_for(lambda: titles(fake, ALICE) == ["Stored"], 5)
        stop.set()
        await task
    await limiter.close()
    assert uploads(fake) == []
    assert [m.method for m in fake.sent] == ["sendMessage"]
    assert await store.pending_count() == 0


async def test_a_file_uri_image_does_not_strand_the_note(
    newsbot: BotFactory, store: Store, content: Path, fake: FakeTelegram
) -> None:
    """PTB itself refuses file:// (not a BadRequest): the note still arrives, as text."""
    await started(newsbot, store, content, fake)
    write_post(content, "2026-01-21-uri.md", "Uri", extra="image: file:///etc/hostname\n")
    await fake.wait_for(lambda: titles(fake, ALICE) == ["Uri"], 5)
    assert fake.messages_to(ALICE)[-1].method == "sendMessage"
    assert uploads(fake) == []
