"""Reading the changed post files of a scan: in this process, or in worker processes for many.

Parsing is pure Python, so threads would take turns on one core; a first scan of a big site
(thousands of posts) reads them in PARALLEL_FROM-or-more batches in a process pool, one
worker a processor (at most MAX_WORKERS). Smaller scans, the usual ones, read in-process.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import stat
import threading
from concurrent.futures import ALL_COMPLETED, Future, ProcessPoolExecutor, wait
from datetime import tzinfo
from pathlib import Path

from bot.domain.permalinks import Permalinks
from bot.domain.posts import MalformedPost, Post
from bot.scanning.files import read_post_at

# Below this many files a pool's start (forking, sending the posts back) costs about what
# it saves; a rescan after an edit reads a few files.
PARALLEL_FROM = 500
MAX_WORKERS = 4
# Batches a worker gets, about: several each, so that one slow batch does not leave the
# other workers idle at the end.
_BATCHES_PER_WORKER = 4


def read_posts(
    root: Path,
    paths: list[str],
    *,
    tz: tzinfo,
    links: Permalinks,
    abandoned: threading.Event | None = None,
) -> list[Post | MalformedPost]:
    """Each of `paths` (relative to root) read and parsed, in order; a bad one as MalformedPost.

    `abandoned` set while workers read: they are killed and the result is empty (the caller
    has stopped waiting for it).
    """
    workers = workers_for(len(paths))
    if workers < 2:
        return read_batch(root, paths, tz, links)
    size = -(-len(paths) // (workers * _BATCHES_PER_WORKER))
    batches = [paths[start : start + size] for start in range(0, len(paths), size)]
    # fork: a worker starts at once with the parsing code already imported. spawn and
    # forkserver would import the program's main module again in every worker (for
    # `newsbot run`, the whole bot: seconds).
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_worker_started,
        initargs=(os.getpid(),),
    )
    try:
        futures = [pool.submit(read_batch, root, batch, tz, links) for batch in batches]
        if not _all_done(futures, abandoned):
            _kill_workers(pool)
            return []
        return [post for future in futures for post in future.result()]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def workers_for(files: int) -> int:
    """How many processes read_posts reads so many files in (1: this one)."""
    return min(MAX_WORKERS, _processors()) if files >= PARALLEL_FROM else 1


def read_batch(
    root: Path, paths: list[str], tz: tzinfo, links: Permalinks
) -> list[Post | MalformedPost]:
    """read_posts in this process (and what each worker does with its batch)."""
    posts: list[Post | MalformedPost] = []
    for path in paths:
        try:
            post = read_post_at(root, path, tz=tz, links=links)
        except MalformedPost as error:
            posts.append(error)
        else:
            post.topics  # noqa: B018 - worked out here, in parallel, and kept in the post
            posts.append(post)
    return posts


def _processors() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _worker_started(parent: int) -> None:
    """In a forked worker: what it inherited from the bot is the bot's, not its own."""
    _die_with(parent)
    # asyncio's wakeup descriptor is the parent's event loop: a signal here must not stop it.
    signal.set_wakeup_fd(-1)
    for number in (signal.SIGTERM, signal.SIGABRT):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which ends us
    _let_go_of_sockets()


def _die_with(parent: int) -> None:
    """Have the kernel kill this worker when the bot dies, even by SIGKILL (Linux).

    An orphaned worker would wait on its task queue for ever: it holds a copy of the queue's
    writing end itself, so the queue never ends.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: shutdown still ends the workers
        return
    if os.getppid() != parent:  # the bot died before prctl
        os._exit(1)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _let_go_of_sockets() -> None:
    """Stop holding the parent's sockets open (Telegram's long poll, the HTTP port).

    A connection the parent closes stays open while any worker holds a copy: the Bot API
    would see the old long poll still waiting next to the new one. Each is replaced by
    /dev/null rather than closed, so that its number is not reused for a post file that an
    inherited socket object, garbage-collected here, would then close.
    """
    try:
        descriptors = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc: keep them
        return
    null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    try:
        for descriptor in descriptors:
            with contextlib.suppress(OSError):  # the listing's own, already closed
                if descriptor != null and stat.S_ISSOCK(os.fstat(descriptor).st_mode):
                    os.dup2(null, descriptor)
    finally:
        os.close(null)


def _all_done(
    futures: list[Future[list[Post | MalformedPost]]], abandoned: threading.Event | None
) -> bool:
    """Wait for every batch; False as soon as `abandoned` is set."""
    pending = set(futures)
    while pending:
        if abandoned is not None and abandoned.is_set():
            return False
        _, pending = wait(pending, timeout=0.25, return_when=ALL_COMPLETED)
    return True


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """End the workers now: one may be stuck in a read of a hung network mount, and the
    interpreter waits for a pool's workers at exit."""
    processes = getattr(pool, "_processes", None) or {}  # no public way to reach them
    for process in list(processes.values()):
        process.kill()
