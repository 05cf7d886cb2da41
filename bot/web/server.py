"""Serving an ASGI app inside the bot's own event loop, on a socket bound before it starts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

from bot.settings import SettingsError

logger = logging.getLogger(__name__)


class ListenError(SettingsError):
    """HTTP_HOST:HTTP_PORT cannot be listened on (in use, no such address)."""


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the bot's command line owns SIGINT and SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebServer:
    """uvicorn serving one app on host:port, started and stopped with the bot."""

    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        self.host, self.port = host, port
        config = uvicorn.Config(
            app, log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=5
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen, then serve in a task; ListenError if the address cannot be had."""
        sock = _listening_socket(self.host, self.port)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="http")
        # uvicorn tells it has started only by a flag.
        while not self._server.started and not self._task.done():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        if self._task.done():
            self._task.result()
        logger.info("serving HTTP on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Finish the requests in flight (a few seconds at most) and close."""
        if self._task is None:
            return
        self._server.should_exit = True
        await self._task
        self._task = None


def _listening_socket(host: str, port: int) -> socket.socket:
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        raise ListenError(f"cannot listen on HTTP_HOST={host} HTTP_PORT={port}: {exc}") from None
