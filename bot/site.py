"""Finding and reading the _config.yml of the Jekyll site around CONTENT_DIR."""

from __future__ import annotations

from pathlib import Path

from bot.domain.site_config import (
    CONFIG_NAMES,
    MAX_CONFIG_BYTES,
    SiteConfig,
    SiteConfigError,
    parse,
)

__all__ = ["find_config", "load_site"]


def find_config(content_dir: Path) -> tuple[Path, str] | None:
    """The site's config file and CONTENT_DIR relative to the site, or None if not a site.

    CONTENT_DIR is a site when it holds a _config.yml, or when it is, is inside or holds a
    `_posts` folder and a folder above it holds one (the nearest wins).
    """
    folder = content_dir.resolve()
    if not folder.is_dir():
        return None
    found = _config_in(folder)
    if found is not None:
        return found, ""
    if "_posts" not in folder.parts and not (folder / "_posts").is_dir():
        return None
    for parent in folder.parents:
        found = _config_in(parent)
        if found is not None:
            return found, folder.relative_to(parent).as_posix()
    return None


def load_site(content_dir: Path) -> SiteConfig | None:
    """Find and read the site's config around content_dir; None when it is not a site."""
    located = find_config(content_dir)
    if located is None:
        return None
    path, content_path = located
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise SiteConfigError(f"cannot read {path}: {error.strerror or error}") from error
    if len(data) > MAX_CONFIG_BYTES:
        raise SiteConfigError(f"{path} is larger than {MAX_CONFIG_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SiteConfigError(f"{path} is not UTF-8 text") from error
    return parse(text, source=str(path), content_path=content_path)


def _config_in(folder: Path) -> Path | None:
    for name in CONFIG_NAMES:
        candidate = folder / name
        # A link may not lead out of the site (a clone of CONTENT_GIT is anyone's commit):
        # the bot would read a local file, put its url in notes and its text in errors.
        if candidate.is_symlink() and not candidate.resolve().is_relative_to(folder):
            raise SiteConfigError(f"{candidate} is a link out of the site: not read")
        # Only a regular file: a FIFO named _config.yml must not block start-up.
        if candidate.is_file():
            return candidate
    return None
