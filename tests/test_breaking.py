"""Breaking news: flagged in the front matter or by a BREAKING_TAGS tag, labelled, sent first."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.breaking import Priority, breaking_keys, is_breaking
from bot.domain.notes import CAPTION_LIMIT, render_post, telegram_length
from bot.domain.outbox import DeliveryJob
from bot.domain.pacing import RateLimiter
from bot.domain.posts import parse_post
from bot.domain.scans import FileSeen
from bot.messaging.job_queue import ClaimedJobs
from bot.settings import Settings, SettingsError
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.conversation import first_scan_done
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import write_post

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
READERS = list(range(3001, 3031))


def post_text(title: str, *, tags: str = "[]", extra: str = "") -> str:
    return f'---\ntitle: "{title}"\ndate: 2026-03-01 10:00\ntags: {tags}\n{extra}---\nBody.\n'


@pytest.mark.parametrize(
    ("extra", "tags", "expected"),
    [
        ("breaking: true\n", "[]", True),
        ("breaking: yes\n", "[]", True),
        ("breaking: 'True'\n", "[]", True),
        ("breaking: false\n", "[]", False),
        ("breaking: [1, 2]\n", "[]", False),
        ("", "[Breaking]", True),
        ("", "['#breaking']", True),
        ("", "[breaking-news]", False),
        ("", "[]", False),
    ],
)
def test_a_post_is_breaking_by_its_flag_or_a_breaking_tag(
    extra: str, tags: str, expected: bool
) -> None:
    post = parse_post(post_text("T", tags=tags, extra=extra), "2026-03-01-t.md")
    assert is_breaking(post) is expected


def test_breaking_tags_setting() -> None:
    assert Settings.from_mapping({}).breaking_tags == {"breaking"}
    tags = Settings.from_mapping({"BREAKING_TAGS": "Breaking News, #Urgent ,,"}).breaking_tags
    assert tags == {"breaking-news", "urgent"}
    assert Settings.from_mapping({"BREAKING_TAGS": ""}).breaking_tags == frozenset()
    post = parse_post(post_text("T", tags="[urgent]"), "2026-03-01-t.md")
    assert is_breaking(post, tags) and not is_breaking(post, frozenset())
    assert breaking_keys(["", "  "]) == frozenset()
    with pytest.raises(SettingsError):  # the other settings still fail loudly
        Settings.from_mapping({"BREAKING_TAGS": "x", "SEND_RATE": "fast"})


def test_the_label_is_a_bold_line_above_the_title_within_the_limits() -> None:
    note = render_post(title="Quake", excerpt="A quake.", url="https://x/q", topics=["World"])
    labelled = render_post(
        title="Quake", excerpt="A quake.", url="https://x/q", topics=["World"], label="🔴 Breaking"
    )
    assert labelled.html == f"<b>🔴 Breaking</b>\n{note.html}"
    long = render_post(
        title="T <&>",
        excerpt="word " * 1000,
        url="https://x/q",
        topics=[],
        photo="https://x/p.jpg",
        label="🔴 Breaking <now>",
    )
    assert long.html.startswith("<b>🔴 Breaking &lt;now&gt;</b>\n<b>T &lt;&amp;&gt;</b>")
    visible = long.html.replace("<b>", "").replace("</b>", "")
    assert telegram_length(visible) <= CAPTION_LIMIT + 60  # markup aside


async def test_breaking_rows_are_claimed_before_every_older_regular_row(store: Store) -> None:
    for chat in READERS[:5]:
        await store.subscribe(chat, "private", "", "world", NOW)
    await store.apply_scan([], [], NOW)  # the first scan: an empty site
    regular = parse_post(post_text("Regular", tags="[world]"), "2026-03-01-regular.md")
    urgent = parse_post(post_text("Quake", tags="[world, breaking]"), "2026-03-01-quake.md")
    await store.apply_scan([FileSeen(regular.path, 1, 1, regular)], [], NOW)
    await store.apply_scan([FileSeen(urgent.path, 1, 1, urgent)], [], NOW)
    lease = timedelta(seconds=30)
    first = await store.claim_deliveries("a", 3, NOW, lease)
    assert [job.title for job in first] == ["Quake"] * 3
    assert all(job.breaking for job in first)
    second = await store.claim_deliveries("b", 3, NOW, lease)
    assert [job.title for job in second] == ["Quake", "Quake", "Regular"]
    assert [job.breaking for job in second] == [True, True, False]
    assert Priority.BREAKING < Priority.REGULAR


async def test_a_breaking_note_overtakes_the_pending_regular_ones(
    newsbot: BotFactory, fake: FakeTelegram, store: Store, content: Path
) -> None:
    await newsbot(SEND_RATE="15")
    await first_scan_done_or_empty(store, content)
    for chat in READERS:
        await store.subscribe(chat, "private", "", "world", datetime.now(UTC))
    write_post(content, "2026-03-01-regular.md", "Regular", tags="[world]")
    await fake.wait_for(lambda: fake.sent, 10, what="the first regular note")
    write_post(content, "2026-03-01-quake.md", "Quake", tags="[world]", extra="breaking: true\n")
    await fake.wait_for(lambda: len(fake.sent) == 2 * len(READERS), 15, what="every note")
    order = ["Quake" in (m.text or "") for m in fake.sent]
    last_breaking = len(order) - 1 - order[::-1].index(True)
    # Every breaking note went out before the regular notes still pending when it came.
    assert order.index(True) < len(READERS) and last_breaking < len(order) - 5
    quake = next(m for m in fake.sent if "Quake" in (m.text or ""))
    assert (quake.text or "").startswith("<b>🔴 Breaking</b>\n<b>Quake</b>")


async def first_scan_done_or_empty(store: Store, content: Path) -> None:
    """Wait for the first scan of an empty folder: a post written before it would be history."""
    write_post(content, "2026-02-01-old.md", "Old", tags="[old]")
    await first_scan_done(store)


async def test_the_limiter_serves_replies_then_breaking_news_then_the_rest() -> None:
    next_free = 0.0

    async def reserve(count: int, interval: float, now: float) -> float:
        nonlocal next_free
        start = max(next_free, now)
        next_free = start + count * interval
        return start

    async def pause(until: float) -> None:
        return None

    limiter = RateLimiter(20, reserve, pause)
    order: list[str] = []

    async def send(name: str, **kind: bool) -> None:
        await limiter.acquire(**kind)
        order.append(name)

    await send("first")  # the next slot is 1/20 s away: everyone below queues before it
    tasks = [asyncio.create_task(send(f"bulk{i}")) for i in range(3)]
    tasks.append(asyncio.create_task(send("breaking", ahead=True)))
    tasks.append(asyncio.create_task(send("reply", urgent=True)))
    await asyncio.gather(*tasks)
    await limiter.close()
    assert order == ["first", "reply", "breaking", "bulk0", "bulk1", "bulk2"]


def test_claimed_breaking_jobs_go_ahead_of_the_regular_ones_held() -> None:
    def job(job_id: int, breaking: bool = False) -> DeliveryJob:
        return DeliveryJob(job_id, 1, 0, 1, None, breaking=breaking)

    queue = ClaimedJobs()
    for item in (job(1), job(2), job(10, True), job(3), job(11, True), None):
        queue.put_nowait(item)
    taken = [queue.get_nowait() for _ in range(queue.qsize())]
    assert [j.id if j else None for j in taken] == [10, 11, 1, 2, 3, None]
