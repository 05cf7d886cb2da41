"""Announcing posts: settling the due ones and queueing their notes; each function takes a session.

What is news and what is a repeat is the domain's call (bot.domain.announcing); here it is
written down: the post's state, the words keyword filters match, one outbox row per recipient.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import announcing
from bot.domain.announcing import DuePost
from bot.domain.breaking import priority
from bot.domain.filters import post_words
from bot.domain.live import LiveWait
from bot.domain.scans import Announcement
from bot.domain.states import PostState
from storage import catalogue, filters, live, outbox


async def announce_due(
    session: AsyncSession, now: datetime, held: list[DuePost] | None = None
) -> list[Announcement]:
    """Announce or skip every due post as the domain decides; queue the announced ones.

    With `held` given (WAIT_UNTIL_LIVE), the posts to announce wait for their page instead:
    they are appended to `held`, and announce_live queues them later.
    """
    due = await catalogue.due_posts(session, now)
    settled = await catalogue.settled_urls(session, sorted({post.url for post in due}))
    announced = []
    for post, state in announcing.decide(due, settled):
        if held is not None and state == PostState.ANNOUNCED:
            await live.hold(session, post.id, now)
            held.append(post)
            continue
        await catalogue.settle(session, post.id, state, now)
        if state == PostState.ANNOUNCED:
            await record_words(session, post.id)
            recipients = await outbox.queue_post(session, post.id, now, priority(post.breaking))
            announced.append(Announcement(post.path, post.title, post.url, recipients))
    return announced


async def announce_live(
    session: AsyncSession, wait: LiveWait, now: datetime
) -> Announcement | None:
    """Announce a post that waited for its page; None if it no longer waits (done elsewhere)."""
    if not await live.release(session, wait.id, now):
        return None
    await record_words(session, wait.id)
    recipients = await outbox.queue_post(session, wait.id, now, priority(wait.breaking))
    title = await catalogue.title(session, wait.id)
    return Announcement(wait.path, title, wait.url, recipients)


async def record_words(session: AsyncSession, post_id: int) -> None:
    """Store the words keyword filters match in the post (title, excerpt, topics)."""
    title, excerpt, _, _, names, _ = (await catalogue.contents(session, {post_id}))[post_id]
    await filters.record_post_words(session, post_id, post_words(title, excerpt, names.values()))
