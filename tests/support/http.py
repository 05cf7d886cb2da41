"""Talking to newsbot's HTTP server: a free port on 127.0.0.1, and real requests to it."""

from __future__ import annotations

import re
import socket

import httpx


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def client(port: int) -> httpx.AsyncClient:
    """An HTTP client for the server on 127.0.0.1:port."""
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10)


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus's text format, or None when it is absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)", line)
        if match is None or match[1] != name:
            continue
        found = ",".join(sorted((match[2] or "").split(","))) if match[2] else ""
        if found == wanted:
            return float(match[3])
    return None
