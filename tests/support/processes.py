"""newsbot as a child process started by a test, as a user would start it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

# parents[2]: the project root (tests/support/processes.py), importable in the child.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def child_environment(**values: str) -> dict[str, str]:
    """The environment of a newsbot child process: ours, the project importable, `values`."""
    return {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **values}


class Process:
    """`python -m bot COMMAND` as a child process, its output kept in a file."""

    def __init__(self, env: dict[str, str], cwd: Path, command: str = "run") -> None:
        self.env, self.cwd, self.command = env, cwd, command
        self.log = cwd / f"newsbot-{command}-{id(self)}.log"
        self.child: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.child = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                self.command,
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def signal(self, sig: signal.Signals) -> int:
        """Signal the child and wait for it (the fake Bot API it talks to keeps answering)."""
        assert self.child is not None
        self.child.send_signal(sig)
        code = await asyncio.wait_for(self.child.wait(), 30)
        self.child = None
        return code

    def output(self) -> str:
        return self.log.read_text(errors="replace")


async def wait_for_log(process: Process, text: str, seconds: float = 15.0) -> None:
    """Wait until the child's output contains `text`."""
    async with asyncio.timeout(seconds):
        while text not in process.output():
            await asyncio.sleep(0.05)
