"""The files of CONTENT_DIR: which are posts, and reading one safely (no link, no FIFO, bounded)."""

from __future__ import annotations

import os
import stat
from datetime import UTC, tzinfo
from pathlib import Path, PurePosixPath

from bot.domain.permalinks import Permalinks
from bot.domain.posts import MalformedPost, Post, parse_post
from bot.domain.posts.parsing import path_parts

MAX_POST_BYTES = 1_000_000
POST_SUFFIXES = (".md", ".markdown")
_JEKYLL_DEFAULTS = Permalinks()


# Folders of a site that never hold its posts: the built site and installed dependencies.
_NOT_CONTENT = frozenset({"_site", "vendor", "node_modules"})


def is_post_file(relpath: PurePosixPath, *, in_posts_folder: bool = False) -> bool:
    """Whether a path under the content folder is a post Jekyll would publish.

    in_posts_folder: the content folder is a whole site (or part of one above its `_posts`),
    so only files inside a `_posts` folder are posts; pages and READMEs are not.
    """
    return posts_folder_holds_posts(
        relpath.parts[:-1], in_posts_folder=in_posts_folder
    ) and is_post_name(relpath.name)


def is_post_name(name: str) -> bool:
    """is_post_file's test of the file name alone (what its folders allow aside)."""
    lowered = name.lower()
    return (
        lowered.endswith(POST_SUFFIXES)
        and lowered not in POST_SUFFIXES
        and not name.endswith("~")
        and not name.startswith((".", "_drafts"))
    )


def posts_folder_holds_posts(folders: tuple[str, ...], *, in_posts_folder: bool = False) -> bool:
    """is_post_file's test of the folders above a file (relative to the content folder)."""
    if in_posts_folder and ("_posts" not in folders or _NOT_CONTENT.intersection(folders)):
        return False
    return not any(part.startswith((".", "_drafts")) for part in folders)


def read_post(
    root: Path, file: Path, *, tz: tzinfo = UTC, links: Permalinks = _JEKYLL_DEFAULTS
) -> Post:
    """Read and parse the post at file (a regular file, reached by no link below root)."""
    return read_post_at(root, _relative_posix(root, file), tz=tz, links=links)


def read_post_at(
    root: Path, path: str, *, tz: tzinfo = UTC, links: Permalinks = _JEKYLL_DEFAULTS
) -> Post:
    """read_post for path, a post's posix path relative to root (as the scan's walk gives it)."""
    try:
        data = _read_regular_file(root, path)
    except OSError as error:
        raise MalformedPost(path, error.strerror or str(error)) from error
    if len(data) > MAX_POST_BYTES:
        raise MalformedPost(path, f"file is too large ({len(data)} bytes)")
    if not data.strip():
        raise MalformedPost(path, "file is empty")
    if b"\0" in data:
        raise MalformedPost(path, "binary file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedPost(path, f"not UTF-8 text (byte offset {error.start})") from error
    return parse_post(text, path, tz=tz, links=links)


def not_a_regular_file(mode: int) -> str | None:
    """Why a file of this st_mode (from lstat) is never read as a post; None if it may be."""
    if stat.S_ISREG(mode):
        return None
    kinds = [
        (stat.S_ISLNK, "a symbolic link, not followed"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
    ]
    kind = next((kind for test, kind in kinds if test(mode)), "a device")
    return f"not a regular file ({kind})"


# Never block on open (a FIFO without a writer) and never follow a link: fstat then tells
# what was opened. O_NONBLOCK does not change reads from a regular file.
_OPEN_FILE = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
_OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _read_regular_file(root: Path, path: str) -> bytes:
    """The first MAX_POST_BYTES + 1 bytes of root/path, a regular file reached without links.

    Each step is opened relative to the folder before it with O_NOFOLLOW, so no symbolic
    link below root is followed, even one swapped in while we look: a link could lead out
    of the content folder (to /etc/shadow) or to a FIFO that would block the scan forever.
    """
    parts = path_parts(path)
    if ".." in parts:
        raise MalformedPost(path, f"not inside the content folder {root}")
    if not parts:
        raise MalformedPost(path, "not a regular file (a folder)")
    *folders, name = parts
    folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in folders:
            mode = os.stat(part, dir_fd=folder, follow_symlinks=False).st_mode
            _check_mode(path, mode, folder_ok=True)
            inner = os.open(part, _OPEN_FOLDER, dir_fd=folder)
            os.close(folder)
            folder = inner
        _check_mode(path, os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
        descriptor = os.open(name, _OPEN_FILE, dir_fd=folder)
    finally:
        os.close(folder)
    try:
        # Checked again on what was opened: the file may have been swapped since the stat.
        status = os.fstat(descriptor)
        _check_mode(path, status.st_mode)
        if status.st_size > MAX_POST_BYTES:
            raise MalformedPost(path, f"file is too large ({status.st_size} bytes)")
        # Read one byte past the limit: the file may have grown since fstat.
        return _read_until(descriptor, MAX_POST_BYTES + 1, status.st_size)
    finally:
        os.close(descriptor)


def _read_until(descriptor: int, limit: int, size: int) -> bytes:
    """Up to `limit` bytes, to the end of the file; `size` is what fstat said it holds.

    Reads in pieces of about the file's size: a single read of `limit` bytes would allocate
    (and give back) a megabyte for every 2 KiB post, the cold scan's costliest call.
    """
    pieces: list[bytes] = []
    total = 0
    piece = min(limit, max(size + 1, 8192))
    while total < limit:
        data = os.read(descriptor, min(piece, limit - total))
        if not data:
            break
        pieces.append(data)
        total += len(data)
    return b"".join(pieces)


def _check_mode(path: str, mode: int, *, folder_ok: bool = False) -> None:
    if folder_ok and stat.S_ISDIR(mode):
        return
    problem = not_a_regular_file(mode)
    if problem is not None:
        raise MalformedPost(path, problem)


def _relative_posix(root: Path, file: Path) -> str:
    for base, target in ((root, file), (root.absolute(), file.absolute())):
        # One of root and file may be relative to the working folder, the other not.
        try:
            return target.relative_to(base).as_posix()
        except ValueError:
            continue
    raise MalformedPost(file.as_posix(), f"not inside the content folder {root}")
