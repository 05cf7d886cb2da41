"""The record of editorial actions: who did what, when (broadcasts, schedules, channels).

Every editorial action calls `audit` once it is done. It logs the action, and hands it to the
store's `record_audit(actor, action, detail, now)` when the store has one (the audit log of
the corrections side of issue 10), so `/audit` and `newsbot audit` list it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from storage.store import Store

logger = logging.getLogger(__name__)


async def audit(store: Store, actor: int, action: str, detail: str, now: datetime) -> None:
    """Record that `actor` (a Telegram user id; 0: the command line) did `action`."""
    logger.info("editorial action by %d: %s (%s)", actor, action, detail)
    record = getattr(store, "record_audit", None)
    if record is not None:
        await record(actor, action, detail, now)
