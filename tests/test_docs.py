"""The docs match the code: every command and setting is in the README and /help."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli import parser
from bot.domain.texts import ADMIN_COMMANDS, COMMANDS
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


class Recorder(dict[str, str]):
    """A mapping that remembers which names were looked up."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.asked.add(key)
        return default


def test_every_setting_is_documented_with_its_default() -> None:
    seen = Recorder()
    Settings.from_mapping(seen)
    assert len(seen.asked) >= 12
    for name in seen.asked:
        assert re.search(rf"^\| `{name}` \|", README, re.MULTILINE), f"{name} not in README"


def test_every_bot_command_is_in_the_readme() -> None:
    for name in [*COMMANDS, *ADMIN_COMMANDS]:
        assert f"`/{name}" in README, f"/{name} not in README"


def test_every_cli_command_is_in_the_readme() -> None:
    subcommands = next(action for action in parser()._actions if action.dest == "command").choices
    assert subcommands is not None
    for name in subcommands:
        assert f"`newsbot {name}" in README, f"newsbot {name} not in README"


def test_the_readme_gives_the_two_commands_ci_runs() -> None:
    assert 'pip install -e ".[dev]"' in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install --quiet -e ".[dev]"' in ci
    assert "\npytest" in README and "\npytest ||" in ci
