"""The announcing policy, as pure functions: silence on the first scan, repeats, links."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.announcing import DuePost, decide, initial_state, post_record
from bot.domain.posts import parse_post
from bot.domain.states import (
    LIVE_DELIVERY_STATES,
    BroadcastState,
    ChatState,
    DeliveryState,
    PostState,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SITE = "https://news.example"


def test_a_post_public_at_the_first_scan_is_history() -> None:
    public = parse_post("---\ntitle: Old\n---\nBody.\n", "2026-01-01-old.md")
    assert initial_state(public, first_scan=True, now=NOW) == PostState.SKIPPED


def test_after_the_first_scan_every_new_post_waits_to_be_announced() -> None:
    public = parse_post("---\ntitle: New\n---\nBody.\n", "2026-01-01-new.md")
    assert initial_state(public, first_scan=False, now=NOW) == PostState.WAITING


def test_at_the_first_scan_drafts_and_future_posts_still_wait() -> None:
    draft = parse_post("---\ntitle: D\npublished: false\n---\nB.\n", "2026-01-01-d.md")
    future = parse_post("---\ntitle: F\n---\nB.\n", "2026-04-01-f.md")
    assert initial_state(draft, first_scan=True, now=NOW) == PostState.WAITING
    assert initial_state(future, first_scan=True, now=NOW) == PostState.WAITING
    # Due exactly now is public.
    assert initial_state(future, first_scan=True, now=future.date) == PostState.SKIPPED


def test_a_due_post_is_announced_unless_its_link_is_known() -> None:
    fresh = DuePost(1, "2026-01-01-a.md", "A", f"{SITE}/a")
    renamed = DuePost(2, "2026-01-02-b.md", "B", f"{SITE}/old")
    assert decide([fresh, renamed], {f"{SITE}/old"}) == [
        (fresh, PostState.ANNOUNCED),
        (renamed, PostState.SKIPPED),
    ]


def test_of_two_due_posts_sharing_a_link_only_the_first_is_announced() -> None:
    first = DuePost(1, "2026-01-01-a.md", "A", f"{SITE}/same")
    copy = DuePost(2, "2026-01-01-a-copy.md", "A", f"{SITE}/same")
    other = DuePost(3, "2026-01-02-c.md", "C", f"{SITE}/c")
    assert decide([first, copy, other], []) == [
        (first, PostState.ANNOUNCED),
        (copy, PostState.SKIPPED),
        (other, PostState.ANNOUNCED),
    ]
    assert decide([], [f"{SITE}/x"]) == []


def test_a_record_holds_links_made_absolute_on_the_site() -> None:
    parsed = parse_post(
        "---\ntitle: Bridge\nimage: /img/bridge one.jpg\n---\nBody.\n", "2026-01-01-bridge.md"
    )
    record = post_record(parsed, SITE)
    assert record.url == parsed.url(SITE)
    assert record.url.startswith(f"{SITE}/")
    assert record.image_url == f"{SITE}/img/bridge%20one.jpg"
    assert (record.path, record.title, record.date, record.published) == (
        parsed.path,
        "Bridge",
        parsed.date,
        True,
    )
    # A local path is never a photo, whatever the site.
    local = parse_post("---\ntitle: L\nimage: file:///etc/passwd\n---\nB.\n", "2026-01-01-l.md")
    assert post_record(local, SITE).image_url is None


def test_states_keep_the_strings_the_database_holds() -> None:
    assert [s.value for s in DeliveryState] == ["pending", "sending", "sent", "failed", "dead"]
    assert [s.value for s in ChatState] == ["active", "stopped", "blocked"]
    assert [s.value for s in BroadcastState] == [
        "draft",
        "scheduled",
        "sending",
        "done",
        "cancelled",
    ]
    assert [s.value for s in PostState] == ["waiting", "announced", "skipped", "waiting_live"]
    assert LIVE_DELIVERY_STATES == ("pending", "sending")
    assert f"{ChatState.BLOCKED}" == "blocked"  # what /stats and replies print
