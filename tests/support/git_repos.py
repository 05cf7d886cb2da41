"""A git remote for the tests: a bare repository, and a working clone that commits and pushes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_IDENTITY = {
    "GIT_AUTHOR_NAME": "Editor",
    "GIT_AUTHOR_EMAIL": "editor@news.example",
    "GIT_COMMITTER_NAME": "Editor",
    "GIT_COMMITTER_EMAIL": "editor@news.example",
}


def git(*args: str | Path, cwd: Path | None = None) -> str:
    """Run git; its output (a failure raises with git's message)."""
    done = subprocess.run(
        ["git", *map(str, args)],
        cwd=cwd,
        env={**os.environ, **_IDENTITY, "GIT_TERMINAL_PROMPT": "0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, f"git {' '.join(map(str, args))}: {done.stderr}"
    return done.stdout


class Remote:
    """A bare repository in `folder` (the remote newsbot fetches) and an editor's clone."""

    def __init__(self, folder: Path, branch: str = "main") -> None:
        self.bare = folder / "site.git"
        self.work = folder / "editor"
        self.branch = branch
        git("init", "--quiet", "--bare", f"--initial-branch={branch}", self.bare)
        git("init", "--quiet", f"--initial-branch={branch}", self.work)
        git("remote", "add", "origin", self.bare, cwd=self.work)

    @property
    def url(self) -> str:
        return str(self.bare)

    def commit(self, message: str, files: dict[str, str], *, remove: tuple[str, ...] = ()) -> str:
        """Write (and remove) files in the editor's clone and commit them; the commit's id."""
        for name, text in files.items():
            path = self.work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        for name in remove:
            git("rm", "--quiet", name, cwd=self.work)
        git("add", "--all", cwd=self.work)
        git("commit", "--quiet", "--allow-empty", "-m", message, cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work).strip()

    def push(self, *, force: bool = False) -> None:
        git(
            "push", "--quiet", *(["--force"] if force else []), "origin", self.branch, cwd=self.work
        )

    def rewrite_to(self, commit: str) -> None:
        """Move the editor's branch back to `commit` (then commit and push with force)."""
        git("reset", "--quiet", "--hard", commit, cwd=self.work)


def post_text(
    title: str, date: str = "2026-01-02 09:30:00 +0000", categories: str = "[News]"
) -> str:
    """A post's Markdown with front matter."""
    return f'---\ntitle: "{title}"\ndate: {date}\ncategories: {categories}\n---\n\nBody.\n'
