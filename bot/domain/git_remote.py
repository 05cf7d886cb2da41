"""A git remote as newsbot accepts it: its URL (credentials hidden), branch and sub-folder."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

# The transports git speaks that newsbot lets a setting name (git's `ext::` and the like are
# not among them), and scp-like `user@host:path`, and a local path.
_SCHEMES = {"http", "https", "ssh", "git", "file"}
_SCP_LIKE = re.compile(r"[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+")
# A branch name git accepts (a subset: no "..", "@{", leading "-" or "/" checked below).
_BRANCH = re.compile(r"[A-Za-z0-9._/-]+")
# Git's messages quote a URL as written; userinfo of any URL in a message.
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")


class GitRemoteError(ValueError):
    """A CONTENT_GIT, CONTENT_BRANCH or CONTENT_SUBDIR that newsbot will not use."""


class GitUrl(str):
    """A git URL that shows no credentials: in repr(), `redacted`, and so in logs."""

    @property
    def secrets(self) -> tuple[str, ...]:
        """The URL's credentials as written and decoded (a token, a user:password)."""
        match = _USERINFO.match(self)
        if match is None:
            return ()
        userinfo = match["userinfo"]
        user, _, password = userinfo.partition(":")
        found = {userinfo, unquote(userinfo), password, unquote(password)}
        if not password:
            found |= {user, unquote(user)}  # https://TOKEN@host/...: the user is the secret
        return tuple(sorted((s for s in found if s), key=len, reverse=True))

    @property
    def redacted(self) -> str:
        return redact_urls(str(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.redacted!r})"


def redact_urls(text: str) -> str:
    """`text` with the userinfo of every URL in it replaced by ***."""
    return _USERINFO.sub(r"\g<head>***@", text)


def parse_git_url(raw: str) -> GitUrl:
    """A URL git may fetch from, or GitRemoteError saying what is accepted."""
    accepted = "an https://, ssh://, git:// or file:// URL, user@host:path, or an absolute path"
    if raw.startswith("-") or any(c.isspace() or ord(c) < 32 for c in raw):
        raise GitRemoteError(f"CONTENT_GIT must be {accepted}")
    if raw.startswith("/") or _SCP_LIKE.fullmatch(raw):
        return GitUrl(raw)
    try:
        parts = urlsplit(raw)
    except ValueError:
        raise GitRemoteError(f"CONTENT_GIT must be {accepted}") from None
    if parts.scheme.lower() not in _SCHEMES or not (parts.netloc or parts.scheme == "file"):
        shown = redact_urls(raw) if "@" in raw else raw
        raise GitRemoteError(f"CONTENT_GIT must be {accepted}, got {shown[:200]!r}")
    return GitUrl(raw)


def check_branch(raw: str) -> str:
    """A branch name safe to put in a refspec, or GitRemoteError."""
    if (
        not _BRANCH.fullmatch(raw)
        or raw.startswith(("-", "/", "."))
        or raw.endswith(("/", ".", ".lock"))
        or ".." in raw
        or "//" in raw
    ):
        raise GitRemoteError(f"CONTENT_BRANCH is not a branch name git accepts: {raw[:200]!r}")
    return raw


def check_subdir(raw: str) -> str:
    """A relative folder inside the repository (no `..`, not absolute), or GitRemoteError."""
    parts = [p for p in raw.replace("\\", "/").split("/") if p not in ("", ".")]
    if raw.startswith(("/", "\\")) or ".." in parts:
        raise GitRemoteError(
            f"CONTENT_SUBDIR must be a folder inside the repository, got {raw[:200]!r}"
        )
    return "/".join(parts)


@dataclass(frozen=True)
class GitSource:
    """Where posts come from in git: no URL means CONTENT_DIR is read as it is."""

    url: GitUrl | None = None
    branch: str = ""
    subdir: str = ""


def git_source(url: str | None, branch: str | None, subdir: str | None) -> GitSource:
    """CONTENT_GIT, CONTENT_BRANCH and CONTENT_SUBDIR checked, or GitRemoteError."""
    if url is None:
        return GitSource()
    return GitSource(
        parse_git_url(url),
        check_branch(branch) if branch else "",
        check_subdir(subdir) if subdir else "",
    )


def clone_dir(data_dir: Path) -> Path:
    """Where newsbot keeps its clone of CONTENT_GIT."""
    return data_dir / "site"
