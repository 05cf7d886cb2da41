"""The compose stack's operations: health checks on /healthz, the Prometheus scrape config, and
the variant for a site whose posts live in git (docker-compose.git.yml).

The files are parsed and checked against the settings newsbot reads; no Docker engine is needed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from dotenv import dotenv_values

from bot.domain.git_remote import clone_dir
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "docker-compose.yml"
GIT_VARIANT = ROOT / "docker-compose.git.yml"
PROMETHEUS = ROOT / "deploy" / "prometheus.yml"
ENV_EXAMPLE = ROOT / ".env.example"


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def service_env(service: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in (service.get("environment") or {}).items()}


def filled(env: dict[str, str], **values: str) -> dict[str, str]:
    """`env` with ${VAR...} interpolations replaced by `values` (or dropped)."""
    pattern = r"\$\{([A-Z_]+)(?::?[-?][^}]*)?\}"
    return {key: re.sub(pattern, lambda m: values.get(m[1], ""), v) for key, v in env.items()}


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    return load(BASE)


def http_port(service: dict[str, Any]) -> int:
    settings = Settings.from_mapping(filled(service_env(service), POSTGRES_PASSWORD="x"))
    assert settings.http_port is not None, "the service serves HTTP (HTTP_PORT)"
    return settings.http_port


@pytest.mark.parametrize("name", ["bot", "worker"])
def test_long_running_services_are_checked_on_healthz(base: dict[str, Any], name: str) -> None:
    service = base["services"][name]
    settings = Settings.from_mapping(filled(service_env(service), POSTGRES_PASSWORD="x"))
    assert settings.http_host == "0.0.0.0", "reachable from Prometheus and the TLS proxy"
    check = service["healthcheck"]
    assert check["test"][0] == "CMD"
    argv = check["test"][1:]
    assert argv[:2] == ["python3", "-c"]
    compile(argv[2], "healthcheck", "exec")
    assert f"http://127.0.0.1:{http_port(service)}/healthz" in argv[2]
    # The answer to a request that hangs must not outlive the check's own timeout.
    timeout = float(re.search(r"timeout=(\d+(?:\.\d+)?)", argv[2])[1])  # type: ignore[index]
    assert timeout < float(check["timeout"].removesuffix("s"))
    assert check["retries"] >= 2 and check["start_period"]


def test_the_one_shot_migration_is_not_health_checked(base: dict[str, Any]) -> None:
    assert base["services"]["migrate"]["healthcheck"] == {"disable": True}


def test_only_the_bot_publishes_its_port_on_the_hosts_loopback(base: dict[str, Any]) -> None:
    bot = base["services"]["bot"]
    [published] = bot["ports"]
    host, host_port, container_port = published.split(":")
    assert host == "127.0.0.1", "the TLS proxy on the host forwards to it; the world does not"
    assert int(container_port) == http_port(bot)
    assert int(host_port) > 0
    assert "ports" not in base["services"]["worker"]


def test_prometheus_scrapes_every_newsbot_service_on_its_http_port(base: dict[str, Any]) -> None:
    config = load(PROMETHEUS)
    [job] = config["scrape_configs"]
    assert job.get("metrics_path", "/metrics") == "/metrics"
    [discovery] = job["dns_sd_configs"]
    assert discovery["type"] == "A"
    assert set(discovery["names"]) == {"bot", "worker"}
    for name in discovery["names"]:
        assert discovery["port"] == http_port(base["services"][name])


def test_the_git_variant_reads_the_posts_from_content_git(base: dict[str, Any]) -> None:
    variant = load(GIT_VARIANT)
    assert set(variant["services"]) == {"bot"}, "only the process that scans needs the clone"
    bot = variant["services"]["bot"]
    env = service_env(bot)
    assert "${CONTENT_GIT:?" in env["CONTENT_GIT"], "CONTENT_GIT comes from .env, required"
    documented = set(dotenv_values(ENV_EXAMPLE))
    assert {"CONTENT_GIT", "CONTENT_BRANCH", "CONTENT_SUBDIR", "HOOK_SECRET"} <= documented

    # Merged over the base service as compose merges environments: the later file wins.
    merged = filled(
        {**service_env(base["services"]["bot"]), **env},
        POSTGRES_PASSWORD="x",
        CONTENT_GIT="https://x-access-token:t0ken@github.com/you/site.git",
    )
    settings = Settings.from_mapping({**merged, "DATA_DIR": _image_data_dir()})
    assert settings.content_git is not None and settings.wait_until_live
    assert settings.content_dir == clone_dir(Path("/app/data"))
    assert "t0ken" not in repr(settings)

    # The clone lives in a named volume at the image's DATA_DIR, declared in this file.
    [data] = [v for v in bot["volumes"] if not v.lstrip().startswith("#")]
    source, target = data.split(":")[:2]
    assert target == _image_data_dir()
    assert source in (variant.get("volumes") or {})


def test_the_git_variant_uses_only_documented_variables() -> None:
    used = set(re.findall(r"\$\{([A-Z_]+)", GIT_VARIANT.read_text(encoding="utf-8")))
    assert used and used <= set(dotenv_values(ENV_EXAMPLE))


def _image_data_dir() -> str:
    """DATA_DIR as the Dockerfile sets it."""
    found = re.search(r"(?m)^ENV DATA_DIR=(\S+)$", (ROOT / "Dockerfile").read_text("utf-8"))
    assert found is not None
    return found[1]


def test_the_readme_deploys_a_github_pages_and_a_netlify_site() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    deploying = readme.split("\n## Deploying\n", 1)[1].split("\n## ", 1)[0]
    for heading in ("### A GitHub Pages site", "### A Netlify site"):
        assert heading in deploying
    for name in ("CONTENT_GIT", "HOOK_SECRET", "WAIT_UNTIL_LIVE", "/hooks/publish"):
        assert name in deploying
    assert "docker compose -f docker-compose.yml -f docker-compose.git.yml up" in deploying
