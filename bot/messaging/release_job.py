"""The job that sends held notes: digests, and what quiet hours held, when their time comes."""

from __future__ import annotations

import logging

from bot.messaging.context import NewsContext
from storage.locks import is_outage

logger = logging.getLogger(__name__)

RELEASE_INTERVAL = 2.0  # seconds between looks for digests and quiet hours that are due


async def release_job(context: NewsContext) -> None:
    """Queue the summaries now due through the outbox, in the process that polls.

    Each is one outbox row per chat and period (a unique key): a second process, or this one
    after a restart, never queues the same digest twice.
    """
    services = context.services
    if not services.leading:
        return
    try:
        queued = await services.store.release_held(context.now(), services.settings.timezone)
    except Exception as exc:
        if not is_outage(exc):
            raise
        services.jobs_database.failed(exc)
        return
    if queued:
        logger.info("queued %d digests and quiet-hours summaries", queued)
        services.sender.wake()
