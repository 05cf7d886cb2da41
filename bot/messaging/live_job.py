"""The job that announces posts waiting for their page (WAIT_UNTIL_LIVE) once it is live."""

from __future__ import annotations

import logging

from bot.domain.live import LiveVerdict, LiveWait, verdict
from bot.logs import log_announced
from bot.messaging.context import NewsContext, Services
from bot.scanning.live import live_client, page_statuses
from storage.locks import is_outage

logger = logging.getLogger(__name__)


async def live_check_job(context: NewsContext) -> None:
    """Every LIVE_CHECK_SECONDS, in the process that scans: see check_live."""
    await check_live(context.services)


async def check_live(services: Services) -> None:
    """Ask the site for each waiting post's page; announce those live or waited for too long.

    Each post is settled on its own: one slow page holds back no other post. Without
    WAIT_UNTIL_LIVE (turned off since they began to wait) they are announced at once.
    """
    if not services.leading:
        return
    try:
        waits = await services.store.live_waits()
        if not waits:
            return
        settings = services.settings
        if settings.wait_until_live:
            async with live_client() as client:
                statuses = await page_statuses(client, [wait.url for wait in waits])
        else:
            statuses = [200] * len(waits)
        announced = 0
        for wait, status in zip(waits, statuses, strict=True):
            outcome = verdict(status, wait.since, services.clock.now(), settings.live_timeout)
            if outcome is not LiveVerdict.WAIT:
                announced += await _announce(services, wait, status, outcome)
    except Exception as exc:
        if not is_outage(exc):
            raise
        services.jobs_database.failed(exc)
        return
    if announced:
        services.sender.wake()


async def _announce(
    services: Services, wait: LiveWait, status: int | None, outcome: LiveVerdict
) -> bool:
    announcement = await services.store.announce_live(wait, services.clock.now())
    if announcement is None:
        return False
    if outcome is LiveVerdict.GAVE_UP:
        logger.warning(
            "post %s: %s still answers %s after LIVE_TIMEOUT (%g s); announcing it anyway",
            wait.path,
            wait.url,
            status if status is not None else "nothing",
            services.settings.live_timeout,
        )
    log_announced(announcement)
    return True
