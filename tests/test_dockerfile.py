"""The Dockerfile and .dockerignore, parsed and checked against the code (no Docker engine)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from bot.settings import Settings
from tests.support.deployment import (
    ROOT,
    assert_newsbot_command,
    dockerfile,
    exec_form,
)

DOCKERIGNORE = ROOT / ".dockerignore"


# -- Dockerfile and .dockerignore ----------------------------------------------------------------


def test_dockerfile_base_user_and_entrypoint() -> None:
    froms = dockerfile("FROM")
    assert froms and froms[0].split()[0] == "${BASE}"
    # Debian's Python on a Debian base; the base may be given (CI makes one with debootstrap).
    [base] = [arg for arg in dockerfile("ARG") if arg.startswith("BASE=")]
    assert base.startswith("BASE=debian:bookworm")
    users = dockerfile("USER")
    assert users, "the image must not run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert exec_form(dockerfile("ENTRYPOINT")[-1]) == ["newsbot"]
    cmd = exec_form(dockerfile("CMD")[-1])
    assert cmd == ["run"]
    assert_newsbot_command(cmd, "Dockerfile CMD")
    assert dockerfile("WORKDIR")[-1] == "/app"
    env = " ".join(dockerfile("ENV"))
    assert re.search(r"\bPYTHONUNBUFFERED=1\b", env)


def test_dockerfile_installs_debian_python_and_git() -> None:
    installs = " ".join(run for run in dockerfile("RUN") if "apt-get install" in run)
    packages = set(installs.split())
    assert {"python3", "python3-venv", "git", "ca-certificates", "openssh-client"} <= packages
    assert "--no-install-recommends" in packages
    assert "rm -rf /var/lib/apt/lists/*" in installs


def test_dockerfile_healthcheck_asks_healthz_when_the_http_server_runs() -> None:
    [check] = dockerfile("HEALTHCHECK")
    options, _, cmd = check.partition(" CMD ")
    for option in ("--interval", "--timeout", "--start-period"):
        assert option in options
    argv = exec_form(cmd)
    assert argv[:2] == ["python3", "-c"]
    assert "/healthz" in argv[2] and "HTTP_PORT" in argv[2]
    compile(argv[2], "HEALTHCHECK", "exec")  # valid Python


def test_dockerfile_keeps_data_in_data_dir() -> None:
    env = " ".join(dockerfile("ENV"))
    assert re.search(r"\bDATA_DIR=/app/data\b", env)
    assert Settings.from_mapping({"DATA_DIR": "/app/data"}).data_dir == Path("/app/data")


def test_ci_builds_the_image_and_runs_the_bot_from_it() -> None:
    """The image is built and run on every CI run: no skip where podman cannot install."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\n.ci/container\n" in ci
    script = (ROOT / ".ci" / "container").read_text(encoding="utf-8")
    assert "debootstrap --variant=minbase bookworm" in script
    assert "import" in script and "--pull=never" in script and "--runtime runc" in script
    assert "exit 0" not in script
    check = (ROOT / ".ci" / "container_check.py").read_text(encoding="utf-8")
    for flag in ("--network", "host", "nofile=20000:20000", "nproc=1000:1000"):
        assert f'"{flag}"' in check


def test_dockerfile_installs_the_package_without_dev_dependencies() -> None:
    installs = [run for run in dockerfile("RUN") if re.search(r"\bpip\b.*\binstall\b", run)]
    assert installs, "the Dockerfile installs newsbot with pip"
    for run in installs:
        assert "[dev]" not in run and "requirements-dev" not in run
        assert "-e " not in run and "--editable" not in run


def test_dockerfile_copies_what_the_build_needs_and_nothing_else() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    copied: set[str] = set()
    for args in dockerfile("COPY"):
        parts = [p for p in args.split() if not p.startswith("--")]
        copied.update(p.rstrip("/") for p in parts[:-1])
    find = pyproject["tool"]["setuptools"]["packages"]["find"]
    packages = {pattern.rstrip("*") for pattern in find["include"]}
    needed = {"pyproject.toml", pyproject["project"]["readme"], *packages}
    assert copied == needed
    # None of them may be excluded from the build context.
    ignored = {line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()}
    assert not copied & ignored


def test_dockerignore_keeps_the_context_small_and_secret_free() -> None:
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for required in (".git", "tests", "bench", "*.db", ".env"):
        assert required in patterns, f".dockerignore must exclude {required}"
    assert any("__pycache__" in p for p in patterns)
    assert {".pytest_cache", ".mypy_cache", ".ruff_cache"} <= patterns
    assert {".venv", "venv"} <= patterns
