"""The record of editorial actions: who did what, when (broadcasts, schedules, channels).

Every editorial action calls `audit` once it is done: one log line, and a row that `/audit` and
`newsbot audit` list.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.domain.audit import AuditAction
from storage.store import Store

logger = logging.getLogger(__name__)


async def audit(store: Store, actor: int, action: AuditAction, detail: str, now: datetime) -> None:
    """Record that `actor` (a Telegram user id; 0: the command line) did `action`."""
    logger.info("editorial action by %d: %s (%s)", actor, action, detail)
    await store.record_audit(actor, action, detail, now)
