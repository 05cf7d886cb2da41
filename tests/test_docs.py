"""The docs match the code: every command and setting is in the README and /help."""

from __future__ import annotations

import importlib
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


ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _resolves(dotted: str) -> bool:
    """Whether `dotted` names a module, or an attribute (or method) of one."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            if not hasattr(found, name):
                return False
            found = getattr(found, name)
        return True
    return False


def test_every_module_and_name_in_the_architecture_doc_exists() -> None:
    dotted = set(re.findall(r"`((?:bot|storage)(?:\.\w+)+)`", ARCHITECTURE))
    paths = set(re.findall(r"`((?:bot|storage)/[\w/.]*)`", ARCHITECTURE))
    assert len(dotted) > 15 and len(paths) > 3
    assert [name for name in sorted(dotted) if not _resolves(name)] == []
    assert [path for path in sorted(paths) if not (ROOT / path).exists()] == []


def test_the_architecture_doc_lists_every_package_of_the_code() -> None:
    for folder in ("bot/domain", "bot/messaging", "bot/scanning", "storage"):
        assert f"`{folder}/`" in ARCHITECTURE
    for module in sorted((ROOT / "bot" / "messaging" / "handlers").glob("[a-z]*.py")):
        assert f"`{module.stem}`" in ARCHITECTURE, module.name
