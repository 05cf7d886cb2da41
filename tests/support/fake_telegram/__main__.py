"""A fake Telegram Bot API server that PTB talks to over real HTTP, as strict as the real one.

For benchmarks: ``python -m tests.support.fake_telegram --port 8081 --latency 0.08``; it prints the
URL it listens on, then serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from tests.support.fake_telegram.server import FakeTelegram
from tests.support.fake_telegram.state import DEFAULT_TOKEN


async def _serve(args: argparse.Namespace) -> None:
    """Serve until SIGTERM or SIGINT."""
    fake = FakeTelegram(
        token=args.token,
        port=args.port,
        rate_limit=args.rate_limit,
        group_rate_limit=args.group_rate_limit,
        delay=args.delay,
        error_rate=args.error_rate,
        latency=args.latency,
        seed=args.seed,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with fake:
        print(f"fake Telegram listening on {fake.base_url}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """`python -m tests.support.fake_telegram --port P [--rate-limit 30] [--latency 0.08]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--rate-limit", type=int, default=None, help="send calls per second")
    parser.add_argument(
        "--group-rate-limit", type=int, default=None, help="send calls per minute per group"
    )
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds every answer takes (the network)"
    )
    parser.add_argument("--error-rate", type=float, default=0.0, help="fraction of 502s")
    parser.add_argument("--seed", type=int, default=0)
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
