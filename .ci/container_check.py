"""CI: run newsbot from its image against the host's PostgreSQL and a fake Bot API; a note must
arrive.

    python .ci/container_check.py IMAGE

On the host: the fake Bot API (`python -m tests.support.fake_telegram`), a database of its own
on the PostgreSQL the tests use, and the site as a git repository (a bare one, which the
container reads as CONTENT_GIT, so the image's git is used too). In the container (podman with
runc, the host's network): `newsbot db upgrade`, then `newsbot run`. A reader subscribes
through the fake, the editor pushes a post, and the note must reach the reader; then the
container is stopped with SIGTERM and must exit cleanly.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.databases import POSTGRES_URL, run_outside_transaction  # noqa: E402
from tests.support.fake_telegram.state import DEFAULT_TOKEN  # noqa: E402
from tests.support.git_repos import Remote, post_text  # noqa: E402
from tests.support.posts import SEED  # noqa: E402

PODMAN = ["podman", "--runtime", "runc"]
# What newsbot needs on these machines: the host's network (PostgreSQL and the fake listen on
# 127.0.0.1), and limits podman can set without a cgroup of its own.
RUN = ["run", "--network", "host", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=1000:1000"]
# No timer for the image's HEALTHCHECK (podman would ask systemd); it is run once below.
RUN += ["--health-interval", "disable"]
READER = 1001
DATABASE = f"newsbot_container_{os.getpid()}"


def log(message: str) -> None:
    print(f"container check: {message}", flush=True)  # noqa: T201


def podman(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*PODMAN, *args], capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        raise SystemExit(f"podman {' '.join(args[:2])} failed:\n{done.stdout}{done.stderr}")
    return done


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def fake_api(url: str, path: str, body: object | None = None) -> dict[str, object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url.removesuffix("/bot") + path, data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        result: dict[str, object] = json.load(answer)
    return result


def command_update(text: str) -> dict[str, object]:
    """A private message with a bot command, as Telegram delivers it."""
    command = re.match(r"/\w+", text)
    assert command is not None
    user = {"id": READER, "is_bot": False, "first_name": "Alice"}
    return {
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": READER, "type": "private", "first_name": "Alice"},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": command.end()}],
        }
    }


def wait_until(what: str, check: object, seconds: float, container: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.5)
    logs = podman("logs", container, check=False)
    raise SystemExit(f"timed out waiting for {what}; the bot's output:\n{logs.stdout}{logs.stderr}")


def main(image: str) -> None:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="newsbot-container-"))
    os.chmod(work, 0o755)
    # The site, as the editor keeps it: a Jekyll site in git, the seed post already published.
    remote = Remote(work)
    config = "url: https://news.example\npermalink: /:categories/:year/:month/:day/:title/\n"
    remote.commit(
        "the site", {"_config.yml": config, f"_posts/{SEED.name}": SEED.read_text("utf-8")}
    )
    remote.push()
    (work / "gitconfig").write_text("[safe]\n\tdirectory = /srv/site.git\n", encoding="utf-8")
    subprocess.run(["chmod", "-R", "a+rX", str(work)], check=True)

    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_telegram", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    container = f"newsbot-ci-{os.getpid()}"
    run_outside_transaction(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    run_outside_transaction(f"CREATE DATABASE {DATABASE}")
    try:
        assert fake.stdout is not None
        api_url = fake.stdout.readline().rsplit(" ", 1)[-1].strip()
        database_url = urlsplit(POSTGRES_URL)._replace(path=f"/{DATABASE}").geturl()
        settings = {
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "TELEGRAM_API_URL": api_url,
            "DATABASE_URL": database_url,
            "CONTENT_GIT": "/srv/site.git",
            "SCAN_INTERVAL": "1",
            # The repository belongs to the host's user, not the container's: git refuses it
            # unless a global (or system) config says it is safe (git's safe.directory).
            "GIT_CONFIG_GLOBAL": "/srv/gitconfig",
        }
        if any('"HTTP_PORT"' in f.read_text("utf-8") for f in (ROOT / "bot").rglob("*.py")):
            # The HTTP server is there: the HEALTHCHECK below asks its /healthz.
            settings["HTTP_PORT"] = str(free_port())
        env = [arg for name, value in settings.items() for arg in ("--env", f"{name}={value}")]
        mount = ["--volume", f"{remote.bare}:/srv/site.git:ro"]
        mount += ["--volume", f"{work / 'gitconfig'}:/srv/gitconfig:ro"]
        upgrade = podman(*RUN, "--rm", *env, image, "db", "upgrade")
        log(f"newsbot db upgrade: {upgrade.stdout.strip()}")
        podman(*RUN, "--detach", "--name", container, *env, *mount, image, "run")
        log(f"newsbot run started in {container}")

        def output() -> str:
            done = podman("logs", container, check=False)
            return done.stdout + done.stderr

        def sent() -> int:
            return int(str(fake_api(api_url, "/_fake/stats")["sent"]))

        wait_until("the first scan", lambda: "first scan:" in output(), 120, container)
        fake_api(api_url, "/_fake/update", command_update("/subscribe news"))
        wait_until("the reply to /subscribe", lambda: sent() >= 1, 30, container)

        remote.commit("a new post", {"_posts/2026-01-02-from-ci.md": post_text("From CI")})
        remote.push()
        announced = "announced _posts/2026-01-02-from-ci.md"
        wait_until("the note", lambda: announced in output() and sent() >= 2, 60, container)
        log(f"the note arrived ({sent()} messages sent)")
        health = podman("healthcheck", "run", container, check=False)
        if health.returncode != 0:
            raise SystemExit(f"the image's HEALTHCHECK failed: {health.stdout}{health.stderr}")
        log("HEALTHCHECK passed")

        podman("stop", "--time", "30", container)
        code = podman("inspect", "--format", "{{.State.ExitCode}}", container).stdout.strip()
        if code != "0":
            raise SystemExit(f"newsbot exited with {code} on SIGTERM:\n{output()}")
        stats = fake_api(api_url, "/_fake/stats")
        if stats["rejected"]:
            raise SystemExit(f"the fake Bot API rejected calls: {stats}")
        log(f"stopped cleanly; {time.monotonic() - started:.0f} s")
    finally:
        podman("rm", "--force", container, check=False)
        fake.terminate()
        fake.wait(10)
        run_outside_transaction(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python .ci/container_check.py IMAGE")
    main(sys.argv[1])
