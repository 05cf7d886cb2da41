"""/latest [TOPIC]: the five newest public posts, as links with their dates; never an embargoed
post or a draft."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.latest import LatestPost, latest
from bot.domain.notes import TEXT_LIMIT
from bot.domain.replies import visible_length
from storage.store import Store
from tests.support.bots import BotFactory
from tests.support.clock import ShiftedClock
from tests.support.conversation import ALICE, first_scan_done, say
from tests.support.fake_telegram import FakeTelegram
from tests.support.posts import SEED, write_post


def test_the_list_escapes_titles_and_links_and_stays_within_the_limit() -> None:
    when = datetime(2026, 1, 1, 23, 30, tzinfo=UTC)
    post = LatestPost("<b>A & B</b>" * 300, 'https://x.example/?a=1&b="2"', when)
    text = latest([post] * 5, "Korea <North>", ZoneInfo("Asia/Seoul"))
    assert text.startswith("The newest posts on <b>Korea &lt;North&gt;</b>:\n• <a href=")
    assert 'href="https://x.example/?a=1&amp;b=&quot;2&quot;"' in text
    assert "&lt;b&gt;A &amp; B" in text and " — 2026-01-02" in text  # the day in Seoul
    assert visible_length(text) <= TEXT_LIMIT
    assert latest([], None, UTC) == "No post on this chat's topics yet."


def _titles(reply: str) -> list[str]:
    return [line.split(">", 1)[1].split("</a>")[0] for line in reply.splitlines()[1:]]


async def test_latest_lists_the_five_newest_public_posts(
    newsbot: BotFactory, content: Path, store: Store, fake: FakeTelegram, clock: ShiftedClock
) -> None:
    shutil.copy(SEED, content / SEED.name)
    for day in range(1, 8):
        write_post(content, f"2026-01-0{day}-n{day}.md", f"News {day}", date=_day(day))
    write_post(content, "2026-01-08-sport.md", "Sport 8", categories="[Sport]", date=_day(8))
    write_post(content, "2026-01-09-draft.md", "Draft 9", date=_day(9), extra="published: false\n")
    soon = clock.now() + timedelta(days=2)
    write_post(content, "2099-01-01-soon.md", "Embargoed", date=soon)
    await newsbot()
    await first_scan_done(store)

    assert "follows no topic yet" in await say(fake, "/latest", ALICE)
    await say(fake, "/subscribe news", ALICE)
    reply = await say(fake, "/latest", ALICE)
    assert reply.startswith("The newest posts on this chat's topics:\n")
    assert _titles(reply) == ["News 7", "News 6", "News 5", "News 4", "News 3"]
    assert '<a href="https://news.example/news/2026/01/07/n7.html">News 7</a> — 2026-01-07' in reply
    assert _titles(await say(fake, "/latest #SPORT", ALICE)) == ["Sport 8"]
    assert _titles(await say(fake, "/latest all", ALICE))[:2] == ["Sport 8", "News 7"]
    assert "I don't know the topic <b>drafts</b>" in await say(fake, "/latest drafts", ALICE)

    # Dates are the chat's: News 7 came out at 09:00 UTC, still the 6th in Pago Pago (-11).
    await say(fake, "/timezone Pacific/Pago_Pago", ALICE)
    assert "News 7</a> — 2026-01-06" in await say(fake, "/latest", ALICE)
    assert "News 7</a> — 2026-01-06" in await say(fake, "/latest news", ALICE)

    clock.advance(timedelta(days=3))  # the embargo lifts: now it is news, and listed
    await fake.wait_for(lambda: any("Embargoed" in (m.text or "") for m in fake.sent), 10)
    assert _titles(await say(fake, "/latest", ALICE))[0] == "Embargoed"


def _day(day: int) -> datetime:
    return datetime(2026, 1, day, 9, 0, tzinfo=UTC)
