"""A crowd at once: N readers send /start together; how soon is each answered?

    python bench/burst.py [--readers 300] [--send-rate 30] [--latency 0.08]

The fake Bot API runs in its own process and answers every call after --latency seconds
(the network). `python -m bot run` runs as a child process on a temporary SQLite database
and an empty content folder (SEND_RATE as given, SCAN_INTERVAL=300). Once it polls, N
distinct private chats send `/start` in the same instant (POST /_fake/commands); the fake's
/_fake/sent gives when it accepted each reply. Reported: the median (p50) and the last
reply after the commands were queued, next to N / SEND_RATE, the time Telegram's limit
itself needs. Goal: the last reply within 15 s for 300 readers at 30/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from benchlib import LATENCY, ROOT, TOKEN, FakeBotApi, print_table

FIRST_CHAT = 10_000
READY_TIMEOUT = 30.0


async def sent(client: httpx.AsyncClient, fake: FakeBotApi) -> dict[str, Any]:
    response = await client.get(f"{fake.root_url}/_fake/sent", timeout=60)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


async def burst(args: argparse.Namespace) -> list[list[object]]:
    rows: list[list[object]] = []
    async with FakeBotApi(latency=args.latency) as fake, httpx.AsyncClient() as client:
        with tempfile.TemporaryDirectory(prefix="newsbot-bench-burst-") as tmp:
            folder = Path(tmp)
            (folder / "content").mkdir()
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": fake.base_url,
                "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'newsbot.db'}",
                "CONTENT_DIR": str(folder / "content"),
                "SITE_URL": "https://news.example",
                "SEND_RATE": str(args.send_rate),
                "SCAN_INTERVAL": "300",
            }
            log = folder / "newsbot.log"
            with log.open("wb") as output:
                bot = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "run", env=env, cwd=folder,
                    stdout=output, stderr=output,
                )  # fmt: skip
            try:
                deadline = time.monotonic() + READY_TIMEOUT
                while not (await sent(client, fake))["polling"]:
                    if time.monotonic() > deadline or bot.returncode is not None:
                        raise SystemExit(f"newsbot did not start polling:\n{log.read_text()}")
                    await asyncio.sleep(0.1)
                for round_ in range(args.rounds):
                    first = FIRST_CHAT + round_ * args.readers
                    chats = list(range(first, first + args.readers))
                    queued = await client.post(
                        f"{fake.root_url}/_fake/commands",
                        json={"text": "/start", "chat_ids": chats},
                        timeout=60,
                    )
                    at = queued.json()["at"]
                    wanted = set(chats)
                    deadline = time.monotonic() + args.timeout
                    while True:
                        replies = [
                            m["at"] - at
                            for m in (await sent(client, fake))["messages"]
                            if m["chat_id"] in wanted
                        ]
                        if len(replies) >= len(chats) or time.monotonic() > deadline:
                            break
                        await asyncio.sleep(0.1)
                    replies.sort()
                    ideal = args.readers / args.send_rate
                    last = replies[-1] if replies else float("nan")
                    rows.append(
                        [
                            f"round {round_ + 1}",
                            f"{len(replies)}/{len(chats)}",
                            statistics.median(replies) if replies else float("nan"),
                            last,
                            ideal,
                            f"{last / ideal:.2f}",
                        ]
                    )
            finally:
                bot.send_signal(signal.SIGTERM)
                code = await asyncio.wait_for(bot.wait(), 30)
                errors = [line for line in log.read_text().splitlines() if " ERROR " in line]
                if code != 0 or errors:
                    print(f"newsbot exited with {code}; errors: {errors[:5]}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--readers", type=int, default=300)
    parser.add_argument("--send-rate", type=int, default=30)
    parser.add_argument("--latency", type=float, default=LATENCY, help="seconds per answer")
    parser.add_argument("--rounds", type=int, default=2, help="bursts, one after another")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    rows = asyncio.run(burst(args))
    print_table(
        f"{args.readers} x /start at once, SEND_RATE={args.send_rate}, "
        f"fake latency {args.latency * 1000:.0f} ms",
        ["burst", "answered", "p50 s", "last s", "N/SEND_RATE s", "last / (N/SEND_RATE)"],
        rows,
    )
    print(
        "\np50 and last: from the commands queued to the fake accepting the reply; goal: last "
        "<= 15 s for 300 readers at 30/s. N/SEND_RATE: what Telegram's own limit needs."
    )


if __name__ == "__main__":
    main()
