"""Posts from a git repository: a clone in DATA_DIR that follows the remote branch.

The `git` command line does the work, as child processes with a time limit (no shell, no
prompt: GIT_TERMINAL_PROMPT=0, no terminal). The URL is given to each fetch and never written
into the clone's config, so its credentials stay in the environment; every message is
redacted before it is logged. The clone is made equal to the remote branch at each pull
(fetch, then a forced checkout and clean): a force-push is followed, never merged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import signal
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.domain.alerts import AlertKind
from bot.domain.clock import SYSTEM_CLOCK, Clock
from bot.domain.git_remote import GitUrl, clone_dir, redact_urls
from bot.domain.outages import OutageLog, describe
from bot.domain.waiting import sleep_unless
from bot.settings import Settings

logger = logging.getLogger(__name__)

# Seconds one git command may take: a first clone of a big site included.
GIT_TIMEOUT = 300.0
# After a failed pull, the next is tried after this many seconds, doubling up to the maximum
# (the scans in between use the last copy).
BACKOFF_FIRST = 15.0
BACKOFF_MAX = 600.0
# Failed pulls in a row after which a human is told (ERROR_CHAT), once per outage.
KEEPS_FAILING = 3
# Lines of git's error output kept in a message (the first say what went wrong).
ERROR_LINES = 3


class GitError(Exception):
    """A git command failed; the message is already redacted."""


@dataclass
class GitContent:
    """The clone of CONTENT_GIT in DATA_DIR, kept equal to the remote branch."""

    url: GitUrl
    clone: Path
    branch: str = ""
    ssh_key: Path | None = None
    clock: Clock = SYSTEM_CLOCK
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    head: str | None = None
    failures: int = 0
    next_try: datetime | None = None
    outage: OutageLog = field(init=False)

    def __post_init__(self) -> None:
        self.outage = OutageLog(
            logger,
            f"cannot fetch CONTENT_GIT {self.url.redacted}: scanning the last copy, trying "
            "again with backoff",
            f"fetching CONTENT_GIT {self.url.redacted} again",
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, clock: Clock = SYSTEM_CLOCK, stop: asyncio.Event | None = None
    ) -> GitContent | None:
        """The clone the settings ask for; None without CONTENT_GIT."""
        if settings.content_git is None:
            return None
        return cls(
            settings.content_git,
            clone_dir(settings.data_dir),
            settings.content_branch,
            settings.content_git_ssh_key,
            clock=clock,
            stop=stop or asyncio.Event(),
        )

    @property
    def ready(self) -> bool:
        """Whether the clone has a checked-out commit to scan."""
        return (self.clone / ".git").is_dir() and self.head is not None

    def retry_now(self) -> None:
        """Forget the backoff: the next pull fetches (a publish hook says there is news)."""
        self.next_try = None

    async def pull(self) -> bool:
        """Bring the clone up to the remote branch; False if skipped (backoff) or failed.

        A failure is logged once until a pull works again; the clone stays as it was.
        """
        now = self.clock.now()
        if self.next_try is not None and now < self.next_try:
            return False
        try:
            await self._sync()
        except GitError as exc:
            if self.stop.is_set():
                return False
            self.failures += 1
            delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (self.failures - 1))
            self.next_try = now + timedelta(seconds=delay)
            self.outage.failed(exc)
            if self.failures == KEEPS_FAILING:
                logger.warning(
                    "CONTENT_GIT %s still cannot be fetched after %d tries (%s)",
                    self.url.redacted,
                    self.failures,
                    describe(exc),
                    extra={"alert": AlertKind.GIT_FETCH},
                )
            return False
        self.failures, self.next_try = 0, None
        self.outage.ok()
        return True

    async def _sync(self) -> None:
        if not (self.clone / ".git").is_dir():
            self.clone.mkdir(parents=True, exist_ok=True)
            await self._git("init", "--quiet")
        elif self.head is None:
            self.head = await self._current_head()
        branch = self.branch or await self._default_branch()
        tracking = f"refs/remotes/origin/{branch}"
        await self._git(
            "fetch", "--quiet", "--no-tags", "--", self.url, f"+refs/heads/{branch}:{tracking}"
        )
        await self._git("checkout", "--quiet", "--force", "-B", branch, tracking)
        await self._git("clean", "--quiet", "-ffdx")
        before, self.head = self.head, await self._current_head()
        if before != self.head:
            await self._report_move(before, branch)

    async def _report_move(self, before: str | None, branch: str) -> None:
        assert self.head is not None
        if before is None:
            logger.info("content from %s (%s) at %s", self.url.redacted, branch, self.head[:12])
            return
        try:
            await self._git("merge-base", "--is-ancestor", before, self.head)
            how = "fast-forward"
        except GitError:
            how = "force-push followed: the remote's history replaces ours"
        logger.info(
            "content from %s (%s): %s..%s (%s)",
            self.url.redacted,
            branch,
            before[:12],
            self.head[:12],
            how,
        )

    async def _current_head(self) -> str | None:
        try:
            return (await self._git("rev-parse", "--verify", "--quiet", "HEAD")).strip() or None
        except GitError:
            return None

    async def _default_branch(self) -> str:
        """The branch the remote's HEAD names (asked once per process)."""
        listing = await self._git("ls-remote", "--symref", "--", self.url, "HEAD")
        for line in listing.splitlines():
            ref, _, name = line.partition("\t")
            if name == "HEAD" and ref.startswith("ref: refs/heads/"):
                self.branch = ref.removeprefix("ref: refs/heads/")
                return self.branch
        raise GitError(f"cannot tell the default branch of {self.url.redacted}: set CONTENT_BRANCH")

    def _environment(self) -> dict[str, str]:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        if self.ssh_key is not None:
            env["GIT_SSH_COMMAND"] = shlex.join(
                [
                    "ssh",
                    "-i",
                    str(self.ssh_key),
                    "-o",
                    "IdentitiesOnly=yes",
                    "-o",
                    "BatchMode=yes",
                    "-o",
                    "StrictHostKeyChecking=accept-new",
                ]
            )
        return env

    async def _git(self, *args: str) -> str:
        """Run `git ARGS` in the clone; its output, or GitError (redacted) on any failure."""
        command = args[0]
        try:
            process = await asyncio.create_subprocess_exec(
                "git",
                *args,
                cwd=self.clone,
                env=self._environment(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                # A session of its own: no terminal to prompt on, and a group to kill.
                start_new_session=True,
            )
        except OSError as exc:
            raise GitError(f"cannot run git ({exc.strerror}): is it installed?") from None
        talking = asyncio.ensure_future(process.communicate())
        stopping = asyncio.ensure_future(self.stop.wait())
        try:
            await asyncio.wait(
                {talking, stopping}, timeout=GIT_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            stopping.cancel()
            finished = talking.done()
            if not finished:
                _kill(process)
                talking.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await talking
                await process.wait()
        if not finished:
            why = "newsbot is stopping" if self.stop.is_set() else f"over {GIT_TIMEOUT:g} s"
            raise GitError(f"git {command} gave up: {why}")
        out, err = talking.result()
        if process.returncode != 0:
            raise GitError(f"git {command} failed: {self._redact(err.decode(errors='replace'))}")
        return out.decode(errors="replace")

    def _redact(self, text: str) -> str:
        for secret in self.url.secrets:
            text = text.replace(secret, "***")
        lines = [line.strip() for line in redact_urls(text).splitlines() if line.strip()]
        return " / ".join(lines[:ERROR_LINES]) or "no message"


def _kill(process: asyncio.subprocess.Process) -> None:
    """Kill git and what it started (a remote helper, ssh)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


async def first_copy(
    settings: Settings, stop: asyncio.Event, *, clock: Clock = SYSTEM_CLOCK
) -> tuple[Settings, GitContent | None]:
    """With CONTENT_GIT: a clone to scan, then the settings read again (its _config.yml).

    Without a clone yet, this waits (trying with backoff) until the first fetch works or
    `stop` is set: links cannot be built before the site's _config.yml is known. An
    earlier clone is used as it is when the remote does not answer.
    """
    repo = GitContent.from_settings(settings, clock=clock, stop=stop)
    if repo is None:
        return settings, None
    while not await repo.pull() and not repo.ready:
        if repo.failures == 1:
            logger.info("waiting for a first copy of CONTENT_GIT %s", repo.url.redacted)
        wait = (repo.next_try or clock.now()) - clock.now()
        if await sleep_unless(stop, max(wait.total_seconds(), 0.1)):
            break
    return settings.reread(), repo
