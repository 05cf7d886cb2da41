"""Posts for the tests: the seed post, and writing a post the way an editor's tool would."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

# parents[2]: the project root (tests/support/posts.py).
CONTENT = Path(__file__).resolve().parents[2] / "content"
SEED = CONTENT / "2025-04-30-north-korea-first-road-bridge.md"  # a real post, mojibake included


def write_post(
    folder: Path,
    name: str,
    title: str,
    *,
    categories: str = "[News]",
    tags: str = "[]",
    date: datetime | None = None,
    extra: str = "",
    body: str = "Body text.",
) -> Path:
    """Write a post atomically (the bot scans while we write)."""
    when = (date or datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S +0000")
    text = (
        f'---\ntitle: "{title}"\ndate: {when}\ncategories: {categories}\ntags: {tags}\n'
        f"{extra}---\n\n{body}\n"
    )
    path = folder / name
    temporary = folder / f".{name}.tmp"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    """A UTC datetime, briefly."""
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
