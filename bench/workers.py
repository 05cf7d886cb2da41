"""Several `newsbot worker` processes sending one broadcast, sharing one rate limit.

    python bench/workers.py [--workers 1 2 4] [--recipients 10000] [--send-rate 1000]
        [--check-rate 250] [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/newsbot_bench]

PostgreSQL only. The database is recreated, `python -m bot db upgrade` migrates it, the
chats are bulk-inserted, and the fake Bot API runs with no limit in its own process. For
each worker count N: start N `python -m bot worker` processes (DATABASE_URL,
TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL, SEND_RATE), wait until each logs that it is
sending, queue a broadcast to every chat through the Store, poll the deliveries table until
every row is sent, then SIGTERM the workers. The workers share the send schedule in the
database, so the fake's most sends in any one second must stay at or below SEND_RATE; as
the workers of this machine cannot reach 1000 msg/s together, a last run repeats the
largest worker count at --check-rate, a rate they can exceed together.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchlib import (
    TOKEN,
    FakeBotApi,
    bench_database,
    describe_url,
    insert_chats,
    print_table,
    utcnow,
)
from sqlalchemy import func, select

from storage.models import Delivery
from storage.store import Store

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/newsbot_bench"
TEXT = "📢 Scheduled maintenance tonight: <b>the site may be slow</b>."
READY_TIMEOUT = 30.0
SEND_TIMEOUT = 120.0
POLL = 0.1


@dataclass
class Result:
    workers: int
    send_rate: int
    queued: int
    sent: int = 0
    seconds: float = 0.0
    first_after: float | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    exit_codes: list[int | None] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    @property
    def steady_rate(self) -> float | None:
        """The rate from the first recorded send to the last (without the idle poll wait)."""
        if self.first_after is None or self.seconds <= self.first_after:
            return None
        return self.sent / (self.seconds - self.first_after)


def worker_env(database_url: str, api_url: str, send_rate: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": api_url,
            "SEND_RATE": str(send_rate),
        }
    )
    return env


async def newsbot(
    args: list[str], env: dict[str, str], cwd: Path, log: Path
) -> asyncio.subprocess.Process:
    """`python -m bot ARGS`, its output in `log` (a file: a full pipe would stall it)."""
    with log.open("wb") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=env, cwd=cwd, stdout=output, stderr=output
        )


async def db_upgrade(env: dict[str, str], cwd: Path) -> None:
    log = cwd / "db-upgrade.log"
    process = await newsbot(["db", "upgrade"], env, cwd, log)
    code = await process.wait()
    output = log.read_text(errors="replace").strip()
    if code != 0:
        print(output)
        raise SystemExit(f"`python -m bot db upgrade` failed with exit {code} (output above)")
    print(f"python -m bot db upgrade: {output.splitlines()[-1]}")


async def wait_ready(processes: list[asyncio.subprocess.Process], logs: list[Path]) -> list[str]:
    """Wait until every worker logged "worker ... sending"; returns problems, if any."""
    deadline = time.perf_counter() + READY_TIMEOUT
    while time.perf_counter() < deadline:
        texts = [log.read_text(errors="replace") for log in logs]
        exited = [n for n, p in enumerate(processes) if p.returncode is not None]
        if exited:
            return [
                f"worker {n} exited {processes[n].returncode}: {texts[n][-2000:]}" for n in exited
            ]
        if all(" sending" in text for text in texts):
            return []
        await asyncio.sleep(0.1)
    return [
        f"worker {n} not ready after {READY_TIMEOUT:.0f} s: {log.read_text()[-2000:]}"
        for n, log in enumerate(logs)
    ]


async def sent_count(store: Store, broadcast_id: int) -> int:
    async with store.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.broadcast_id == broadcast_id, Delivery.status == "sent")
        )
        return int(count or 0)


async def measure(
    store: Store,
    fake: FakeBotApi,
    env: dict[str, str],
    folder: Path,
    workers: int,
    queued_chats: int,
) -> Result:
    """Start `workers` workers, send one broadcast to every chat, stop them."""
    await fake.reset()
    logs = [folder / f"worker-{workers}-{n}.log" for n in range(workers)]
    processes = [await newsbot(["worker"], env, folder, log) for log in logs]
    result = Result(workers, int(env["SEND_RATE"]), queued_chats)
    try:
        result.problems = await wait_ready(processes, logs)
        if result.problems:
            return result
        now = utcnow()
        broadcast_id = await store.create_broadcast(TEXT, None, 1, None, now)
        result.queued = await store.start_broadcast(broadcast_id, now) or 0
        started = time.perf_counter()
        while True:
            result.sent = await sent_count(store, broadcast_id)
            elapsed = time.perf_counter() - started
            if result.sent and result.first_after is None:
                result.first_after = elapsed
            if result.sent >= result.queued:
                break
            if elapsed > SEND_TIMEOUT or any(p.returncode is not None for p in processes):
                result.problems.append(f"stopped waiting after {elapsed:.0f} s")
                break
            await asyncio.sleep(POLL)
        result.seconds = time.perf_counter() - started
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process, log in zip(processes, logs, strict=True):
            try:
                result.exit_codes.append(await asyncio.wait_for(process.wait(), 30))
            except TimeoutError:
                process.kill()
                result.exit_codes.append(await process.wait())
                result.problems.append(f"{log.name}: did not stop within 30 s of SIGTERM")
            if process.returncode != 0:
                result.problems.append(f"{log.name}: {log.read_text(errors='replace')[-2000:]}")
        result.stats = await fake.stats()
    return result


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-workers-") as tmp:
        folder = Path(tmp)  # the workers' cwd: no stray .env is read
        async with bench_database(args.database_url) as url, FakeBotApi() as fake:
            print(f"database: {describe_url(url)}; fake Bot API at {fake.base_url}, no limit")
            env = worker_env(url, fake.base_url, args.send_rate)
            await db_upgrade(env, folder)
            store = Store.open(url)
            try:
                await insert_chats(store, range(1, args.recipients + 1), utcnow())
                results = [
                    await measure(store, fake, env, folder, n, args.recipients)
                    for n in args.workers
                ]
                if args.check_rate:
                    # A limit the workers together can exceed: does the shared schedule hold?
                    low = worker_env(url, fake.base_url, args.check_rate)
                    most = max(args.workers)
                    results.append(await measure(store, fake, low, folder, most, args.recipients))
            finally:
                await store.close()

    print_table(
        f"one broadcast to {args.recipients:,} chats, the SEND_RATE shared by all workers",
        [
            "workers",
            "SEND_RATE",
            "sent",
            "seconds",
            "msgs/s",
            "first sent after s",
            "msgs/s after first",
            "429s",
            "fake accepted",
            "fake max/s",
            "exit codes",
        ],
        [
            [
                r.workers,
                r.send_rate,
                f"{r.sent:,}/{r.queued:,}",
                r.seconds,
                r.rate,
                r.first_after if r.first_after is not None else "-",
                r.steady_rate if r.steady_rate is not None else "-",
                r.stats.get("rejected_429", "?"),
                r.stats.get("sent", "?"),
                r.stats.get("max_per_second", "?"),
                ",".join(str(c) for c in r.exit_codes),
            ]
            for r in results
        ],
    )
    for r in results:
        most = r.stats.get("max_per_second")
        held = isinstance(most, int) and most <= r.send_rate
        print(
            f"  {r.workers} worker(s) at SEND_RATE={r.send_rate}: fake max/s {most}, "
            f"limit {'held' if held else 'EXCEEDED'}"
        )
        for problem in r.problems:
            print(f"\n{r.workers} worker(s): {problem}")
    print(
        "\nseconds: from queueing the broadcast until the deliveries table shows every row sent\n"
        f"(polled every {POLL} s; idle workers look at the outbox once a second, hence the first\n"
        "send's delay); fake accepted, 429s, fake max/s: the fake's /_fake/stats for that run"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--send-rate", type=int, default=1000)
    parser.add_argument(
        "--check-rate",
        type=int,
        default=250,
        help="then run the most workers at this lower SEND_RATE, one they can exceed "
        "together, to check the shared limit (0: skip)",
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_URL,
        help="PostgreSQL database to recreate for the run (name must contain 'bench')",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
