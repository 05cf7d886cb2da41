"""What a stuck test was waiting on: every asyncio task's stack, printed when it times out.

pytest-timeout (pyproject.toml, `timeout`) fails a test that runs too long and prints each
thread's stack; for an asyncio test that is only the event loop waiting in select(). The
wrapper below adds where each task of the loop waits, which is what tells a hang apart.
"""

from __future__ import annotations

import asyncio
import io
import signal
import sys
from collections.abc import Generator
from types import FrameType
from typing import Any

import pytest


def waiting_tasks(loop: asyncio.AbstractEventLoop | None = None) -> str:
    """Every pending task of `loop` (the running one by default), with where each one waits."""
    report = io.StringIO()
    for task in asyncio.all_tasks(loop):
        if task is not asyncio.current_task(loop):
            task.print_stack(limit=12, file=report)
    return report.getvalue()


@pytest.hookimpl(wrapper=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> Generator[None, object, object]:
    result = yield
    timed_out = signal.getsignal(signal.SIGALRM)
    if not callable(timed_out):
        return result  # the thread method: nothing to add to

    def handler(signum: int, frame: FrameType | None) -> None:
        loop = asyncio._get_running_loop()
        if loop is not None:
            sys.stderr.write(f"\n+++ asyncio tasks of the stuck test +++\n{waiting_tasks(loop)}")
        timed_out(signum, frame)

    signal.signal(signal.SIGALRM, handler)
    return result
