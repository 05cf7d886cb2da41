"""A newsbot process started by a test, as a user would start it."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path


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
