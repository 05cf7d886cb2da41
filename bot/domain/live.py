"""Announcing a post only once its page is live (WAIT_UNTIL_LIVE): what to do with each wait.

A due post waits (PostState.WAITING_LIVE, since a recorded time) until its URL answers 200, or
until LIVE_TIMEOUT has passed since it became due; then it is announced, with a warning if
the page never answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum


@dataclass(frozen=True)
class LiveWait:
    """A due post waiting for its page to answer 200."""

    id: int
    path: str
    url: str
    since: datetime
    breaking: bool = False  # its notes go first once it is announced


class LiveVerdict(Enum):
    LIVE = "live"  # its page answered 200: announce it
    GAVE_UP = "gave up"  # LIVE_TIMEOUT passed: announce it anyway, with a warning
    WAIT = "wait"  # check again later


def verdict(status: int | None, since: datetime, now: datetime, timeout: float) -> LiveVerdict:
    """What to do with a post whose page answered `status` (None: no answer) at `now`."""
    if status == 200:
        return LiveVerdict.LIVE
    if now - since >= timedelta(seconds=timeout):
        return LiveVerdict.GAVE_UP
    return LiveVerdict.WAIT
