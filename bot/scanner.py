"""Scanning the content folder: find changed files, read them, let the store decide."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime, tzinfo
from pathlib import Path, PurePosixPath

from bot.posts import MalformedPost, Post, is_post_file, read_post
from bot.settings import Settings
from storage.records import FileSeen, ScanResult
from storage.store import Store

logger = logging.getLogger(__name__)


class ContentDirMissing(FileNotFoundError):
    """CONTENT_DIR does not exist or is not a folder."""


def fingerprints(root: Path) -> dict[str, tuple[int, int]]:
    """Every post file under `root`: relative posix path -> (mtime_ns, size)."""
    if not root.is_dir():
        raise ContentDirMissing(f"CONTENT_DIR {str(root)!r} is not a folder")
    found: dict[str, tuple[int, int]] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            full = os.path.join(folder, name)
            relative = PurePosixPath(Path(full).relative_to(root).as_posix())
            if not is_post_file(relative):
                continue
            try:
                stat = os.stat(full)
            except OSError:
                continue  # removed while we looked; the next scan sees it gone
            found[str(relative)] = (stat.st_mtime_ns, stat.st_size)
    return found


def read_files(
    root: Path, seen: dict[str, tuple[int, int]], paths: list[str], tz: tzinfo
) -> list[FileSeen]:
    """Parse the given files; a malformed one becomes a MalformedPost, never an exception."""
    files = []
    for path in paths:
        try:
            post: object = read_post(root, root / path, tz=tz)
        except MalformedPost as exc:
            post = exc
        mtime, size = seen[path]
        files.append(FileSeen(path, mtime, size, post))  # type: ignore[arg-type]
    return files


async def scan(
    store: Store, settings: Settings, *, dry_run: bool = False, now: datetime | None = None
) -> ScanResult:
    """Scan CONTENT_DIR once: record what changed and queue the posts now due.

    Unchanged files (same size and modification time) are not read again, so a rescan
    costs one stat() per file. A malformed file is logged once per change and skipped.
    """
    root = settings.content_dir
    known = await store.file_fingerprints()
    seen = await asyncio.to_thread(fingerprints, root)
    changed = sorted(path for path, fp in seen.items() if known.get(path) != fp)
    removed = sorted(path for path in known if path not in seen)
    files = await asyncio.to_thread(read_files, root, seen, changed, settings.timezone)
    result = await store.apply_scan(
        files, removed, now or datetime.now(UTC), site_url=settings.site_url, dry_run=dry_run
    )
    if not dry_run:
        for problem in result.malformed:
            logger.warning("skipping malformed post %s: %s", problem.path, problem.reason)
        # Files are read only when they change, so each of these is said once per change.
        for seen_post in (f.post for f in files if isinstance(f.post, Post)):
            if seen_post.image is not None and seen_post.image_url(settings.site_url) is None:
                logger.warning(
                    "post %s: image %r is not an http(s) URL (nor made one by SITE_URL): "
                    "announced without it",
                    seen_post.path,
                    seen_post.image[:200],
                )
        for post in result.announced:
            logger.info("announcing %s to %d chats", post.path, post.recipients)
        if result.first_scan:
            logger.info(
                "first scan: %d published posts recorded as already announced",
                result.recorded_silently,
            )
    return result
