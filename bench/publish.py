"""From a post file written to its note: how long a new post waits before it is sent.

    python bench/publish.py [--rounds 5] [--latency 0.08] [--scan-interval 300]

The fake Bot API runs in its own process and answers every call after --latency seconds.
`python -m bot run` runs as a child process on a temporary SQLite database, SCAN_INTERVAL
as given (300 s: only the file watcher can be quick), with the seed post on the site and
one reader following News. Each round writes a new post (atomically, as an editor's tool
does) and measures from the write to the fake accepting the note (both on the machine's
monotonic clock). Goal: at most 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from benchlib import LATENCY, ROOT, TOKEN, FakeBotApi, new_post, print_table, utcnow

READER = 4242
SEED = ROOT / "content" / "2025-04-30-north-korea-first-road-bridge.md"


async def messages_to(client: httpx.AsyncClient, fake: FakeBotApi, chat: int) -> list[Any]:
    response = await client.get(f"{fake.root_url}/_fake/sent", timeout=60)
    response.raise_for_status()
    return [m for m in response.json()["messages"] if m["chat_id"] == chat]


async def wait_for_message(
    client: httpx.AsyncClient, fake: FakeBotApi, count: int, seconds: float
) -> float:
    """The fake's acceptance time of the reader's count-th message."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sent = await messages_to(client, fake, READER)
        if len(sent) >= count:
            return float(sent[count - 1]["at"])
        await asyncio.sleep(0.02)
    raise SystemExit(f"no message {count} to the reader within {seconds} s")


async def measure(args: argparse.Namespace) -> list[float]:
    waits: list[float] = []
    rng = random.Random(1)
    async with FakeBotApi(latency=args.latency) as fake, httpx.AsyncClient() as client:
        with tempfile.TemporaryDirectory(prefix="newsbot-bench-publish-") as tmp:
            folder = Path(tmp)
            content = folder / "content"
            content.mkdir()
            shutil.copy(SEED, content / SEED.name)
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": fake.base_url,
                "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'newsbot.db'}",
                "CONTENT_DIR": str(content),
                "SITE_URL": "https://news.example",
                "SCAN_INTERVAL": str(args.scan_interval),
            }
            with (folder / "newsbot.log").open("wb") as output:
                bot = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "run", env=env, cwd=folder,
                    stdout=output, stderr=output,
                )  # fmt: skip
            try:
                await asyncio.sleep(args.settle)  # polling, and the first (silent) scan
                await client.post(
                    f"{fake.root_url}/_fake/commands",
                    json={"text": "/subscribe news", "chat_ids": [READER]},
                )
                await wait_for_message(client, fake, 1, 30)
                for n in range(args.rounds):
                    written = time.monotonic()
                    new_post(content, rng, f"fresh-{n}", ["News"], utcnow())
                    at = await wait_for_message(client, fake, n + 2, 30)
                    waits.append(at - written)
                    await asyncio.sleep(1.0)
            finally:
                bot.send_signal(signal.SIGTERM)
                await asyncio.wait_for(bot.wait(), 30)
    return waits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency", type=float, default=LATENCY, help="seconds per answer")
    parser.add_argument("--scan-interval", type=float, default=300.0)
    parser.add_argument("--settle", type=float, default=5.0, help="seconds before subscribing")
    args = parser.parse_args()
    waits = asyncio.run(measure(args))
    print_table(
        f"a new post file to its note, SCAN_INTERVAL={args.scan_interval:g}, "
        f"fake latency {args.latency * 1000:.0f} ms",
        ["posts", "median s", "max s"],
        [[len(waits), statistics.median(waits), max(waits)]],
    )
    print("\nfrom the file's write to the fake accepting the note; goal: at most 2 s")


if __name__ == "__main__":
    main()
