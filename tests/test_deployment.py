"""The deployment files: docker-compose.yml and .env.example (the Dockerfile: test_dockerfile.py).

No Docker engine is needed: the files are parsed and checked against the code (the CLI's
commands, the settings newsbot reads). `docker compose config` is used when it is installed.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from dotenv import dotenv_values

from bot import settings, settings_values
from bot.settings import Settings
from tests.support.deployment import assert_newsbot_command

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"

NEWSBOT_SERVICES = {"migrate", "bot", "worker"}
# ${VAR}, ${VAR:-default}, ${VAR:?error} and $VAR; `$$` is a literal dollar sign.
INTERPOLATION = re.compile(r"(?<!\$)\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")


# -- helpers -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def services(compose: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(compose["services"])


def environment(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's `environment`, whether written as a mapping or as a list of KEY=VALUE."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def depends_on(service: Mapping[str, Any]) -> dict[str, str]:
    """Service name -> condition (the short list form means service_started)."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def env_files(service: Mapping[str, Any]) -> list[str]:
    files = service.get("env_file") or []
    files = [files] if isinstance(files, str | dict) else files
    return [f["path"] if isinstance(f, dict) else f for f in files]


def command(service: Mapping[str, Any]) -> list[str]:
    cmd = service.get("command")
    return shlex.split(cmd) if isinstance(cmd, str) else list(cmd or [])


def seconds(duration: str | int | float) -> float:
    """A compose duration ("1m30s", "30s", "500ms") in seconds."""
    if isinstance(duration, int | float):
        return float(duration)
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|us|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, f"bad duration {duration!r}"
    return sum(float(n) * units[u] for n, u in parts)


def interpolated_names(text: str) -> set[str]:
    return {braced or bare for braced, bare in INTERPOLATION.findall(text)}


def substitute(value: str, variables: Mapping[str, str]) -> str:
    """Resolve ${VAR}, ${VAR:-default} and ${VAR:?error} the way compose does (enough here)."""

    def one(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3)
        found = variables.get(name, "")
        if op in (":-", "-") and not found:
            return rest
        if op in (":?", "?") and not found:
            raise AssertionError(f"{name} is required: {rest}")
        return found

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}", one, value)


def settings_variables() -> set[str]:
    """Every variable Settings.from_mapping reads, recorded as it reads them."""
    read: set[str] = set()

    class Recorder(dict[str, str]):
        def get(self, key: str, default: Any = None) -> Any:
            read.add(key)
            return super().get(key, default)

    Settings.from_mapping(Recorder())
    return read


# -- docker-compose.yml --------------------------------------------------------------------------


def test_compose_has_the_four_services(compose: dict[str, Any]) -> None:
    assert set(services(compose)) == {"postgres", *NEWSBOT_SERVICES}


def test_postgres_service(compose: dict[str, Any]) -> None:
    postgres = services(compose)["postgres"]
    assert postgres["image"].startswith("postgres:16")
    env = environment(postgres)
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} <= set(env)
    assert interpolated_names(env["POSTGRES_PASSWORD"]) == {"POSTGRES_PASSWORD"}, (
        "the password comes from .env, not from the compose file"
    )
    # Its data lives in a named volume declared at the top level.
    data = [v for v in postgres.get("volumes", []) if _target(v) == "/var/lib/postgresql/data"]
    assert data, "postgres keeps its data in a volume"
    source = _source(data[0])
    assert source in (compose.get("volumes") or {}), f"volume {source!r} is not declared"

    check = postgres["healthcheck"]
    test = check["test"]
    joined = test if isinstance(test, str) else " ".join(test)
    assert "pg_isready" in joined
    assert isinstance(test, str) or test[0] in {"CMD", "CMD-SHELL"}
    for key in ("interval", "timeout"):
        assert seconds(check[key]) > 0


def test_database_url_points_at_the_postgres_service(compose: dict[str, Any]) -> None:
    postgres_env = environment(services(compose)["postgres"])
    for name in NEWSBOT_SERVICES:
        env = environment(services(compose)[name])
        assert "DATABASE_URL" in env, f"{name}: DATABASE_URL must be set for the postgres service"
        raw = env["DATABASE_URL"]
        url = urlsplit(substitute(raw, {"POSTGRES_PASSWORD": "s3cret"}))
        assert url.scheme == "postgresql+asyncpg"
        assert url.hostname == "postgres" and url.port in (None, 5432)
        assert url.username == substitute(postgres_env["POSTGRES_USER"], {})
        assert url.password == "s3cret", f"{name}: DATABASE_URL must use ${{POSTGRES_PASSWORD}}"
        assert url.path == "/" + substitute(postgres_env["POSTGRES_DB"], {})
        parsed = Settings.from_mapping(
            {"DATABASE_URL": substitute(raw, {"POSTGRES_PASSWORD": "x"})}
        )
        assert not parsed.is_sqlite


def test_newsbot_services_share_the_image_and_settings(compose: dict[str, Any]) -> None:
    images = {services(compose)[name].get("image") for name in NEWSBOT_SERVICES}
    assert len(images) == 1 and None not in images, "migrate, bot and worker run one image"
    for name in NEWSBOT_SERVICES:
        service = services(compose)[name]
        if "build" in service:
            build = service["build"]
            assert (build if isinstance(build, str) else build.get("context")) in (".", "./")
        assert ".env" in env_files(service), f"{name}: settings come from .env"
        assert environment(service).get("CONTENT_DIR") == "/app/content"
    assert any("build" in services(compose)[name] for name in NEWSBOT_SERVICES)


def test_migrate_runs_once_after_postgres_is_healthy(compose: dict[str, Any]) -> None:
    migrate = services(compose)["migrate"]
    assert command(migrate) == ["db", "upgrade"]
    # Quoted in YAML: a bare `no` would be the boolean false.
    assert migrate["restart"] == "no"
    assert depends_on(migrate) == {"postgres": "service_healthy"}


@pytest.mark.parametrize("name", ["bot", "worker"])
def test_long_running_services_wait_for_the_migration(compose: dict[str, Any], name: str) -> None:
    service = services(compose)[name]
    assert command(service) == [{"bot": "run", "worker": "worker"}[name]]
    assert service["restart"] == "unless-stopped"
    deps = depends_on(service)
    assert deps["migrate"] == "service_completed_successfully"
    assert deps.get("postgres", "service_healthy") == "service_healthy"
    # SIGTERM drains the sends in flight; Docker's default 10 s may cut that short.
    assert seconds(service.get("stop_grace_period", "10s")) >= 30


def test_bot_mounts_the_content_folder_read_only(compose: dict[str, Any]) -> None:
    bot = services(compose)["bot"]
    mounts = [v for v in bot.get("volumes", []) if _target(v) == "/app/content"]
    assert len(mounts) == 1, "the content folder is mounted at /app/content"
    mount = mounts[0]
    if isinstance(mount, str):
        source, _, options = mount.partition(":/app/content")
        assert "ro" in options.lstrip(":").split(",")
    else:
        source = mount["source"]
        assert mount.get("type", "bind") == "bind" and mount.get("read_only") is True
    assert source.startswith((".", "/", "~", "$")), "a bind mount of a host folder"


def test_worker_can_be_scaled(compose: dict[str, Any]) -> None:
    worker = services(compose)["worker"]
    # A fixed name or a published host port would clash between replicas.
    assert "container_name" not in worker
    assert "ports" not in worker
    assert "hostname" not in worker


def test_every_named_volume_is_declared(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    used = set()
    for service in services(compose).values():
        for volume in service.get("volumes", []):
            source = _source(volume)
            kind = volume.get("type", "volume") if isinstance(volume, dict) else None
            if source and (kind == "volume" or (kind is None and _is_volume_name(source))):
                used.add(source)
    assert used, "postgres needs a named volume"
    assert used <= declared, f"undeclared volumes: {used - declared}"


def test_compose_commands_are_newsbot_commands(compose: dict[str, Any]) -> None:
    for name in NEWSBOT_SERVICES:
        argv = command(services(compose)[name])
        assert argv, f"{name}: give the command explicitly"
        assert_newsbot_command(argv, f"docker-compose.yml service {name}")


def test_compose_variables_are_documented(compose: dict[str, Any]) -> None:
    documented = set(dotenv_values(ENV_EXAMPLE))
    used = interpolated_names(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert "POSTGRES_PASSWORD" in used
    assert used <= documented, f"not in .env.example: {sorted(used - documented)}"


def _docker_compose_works() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@pytest.mark.skipif(not _docker_compose_works(), reason="`docker compose` is not installed")
def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    """`docker compose config` validates the file against the Compose schema, no engine needed."""
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "content").mkdir()
    example = ENV_EXAMPLE.read_text(encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "POSTGRES_PASSWORD"}

    def config(dotenv: str) -> subprocess.CompletedProcess[str]:
        (tmp_path / ".env").write_text(dotenv, encoding="utf-8")
        argv = ["docker", "compose", "--project-directory", str(tmp_path)]
        argv += ["-f", str(tmp_path / "docker-compose.yml"), "config", "--format", "json"]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)

    # Without a password it refuses, naming the variable.
    refused = config(example)
    assert refused.returncode != 0
    assert "POSTGRES_PASSWORD" in refused.stderr

    done = config(re.sub(r"(?m)^POSTGRES_PASSWORD=.*$", "POSTGRES_PASSWORD=s3cret", example))
    assert done.returncode == 0, done.stderr
    resolved = json.loads(done.stdout)["services"]
    assert set(resolved) == {"postgres", *NEWSBOT_SERVICES}
    assert resolved["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("bot", "worker"):
        cond = resolved[name]["depends_on"]["migrate"]["condition"]
        assert cond == "service_completed_successfully"
        url = resolved[name]["environment"]["DATABASE_URL"]
        assert url == "postgresql+asyncpg://newsbot:s3cret@postgres:5432/newsbot"


# -- .env.example --------------------------------------------------------------------------------


def test_settings_variables_are_the_ones_in_settings_source() -> None:
    """The recorder sees what from_mapping reads; the source scan guards the recorder."""
    source = inspect.getsource(settings) + inspect.getsource(settings_values)
    in_source = set(re.findall(r'\bget\("([A-Z][A-Z0-9_]*)"\)', source))
    assert in_source == settings_variables()


def test_env_example_names_exactly_the_settings_and_compose_variables() -> None:
    documented = set(dotenv_values(ENV_EXAMPLE))
    expected = settings_variables() | interpolated_names(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert documented == expected, (
        f"missing: {sorted(expected - documented)}, unknown: {sorted(documented - expected)}"
    )


def test_env_example_shows_the_defaults() -> None:
    """Copied as is (no token), .env.example gives exactly the settings' defaults."""
    values = {k: v or "" for k, v in dotenv_values(ENV_EXAMPLE).items()}
    assert Settings.from_mapping(values) == Settings()


def test_env_example_explains_every_variable() -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"[A-Z_][A-Z0-9_]*=", line):
            assert number > 0 and lines[number - 1].startswith("#"), (
                f".env.example: {line.split('=')[0]} has no comment above it"
            )


# -- volume helpers ------------------------------------------------------------------------------


def _target(volume: str | Mapping[str, Any]) -> str:
    if isinstance(volume, str):
        parts = volume.split(":")
        return parts[1] if len(parts) > 1 else parts[0]
    return str(volume["target"])


def _source(volume: str | Mapping[str, Any]) -> str | None:
    if isinstance(volume, str):
        parts = volume.split(":")
        return parts[0] if len(parts) > 1 else None
    return volume.get("source")


def _is_volume_name(source: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", source) is not None
