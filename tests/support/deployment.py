"""The deployment files as the tests read them: the Dockerfile's instructions, newsbot commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import cli

# parents[2]: the project root (tests/support/deployment.py).
ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        pending += stripped
        keyword, _, args = pending.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends in a continuation line"
    return instructions


def dockerfile(keyword: str) -> list[str]:
    return [args for kw, args in dockerfile_instructions() if kw == keyword]


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def assert_newsbot_command(argv: list[str], where: str) -> None:
    """argv must be a valid `newsbot` command line."""
    try:
        cli.parser().parse_args(argv)
    except SystemExit:
        pytest.fail(f"{where}: `newsbot {' '.join(argv)}` is not a valid newsbot command")
