"""The news site for the tests: a local HTTP server whose pages go live when a test says so."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from types import TracebackType

from aiohttp import web


@dataclass
class FakeSite:
    """Answers 200 for the paths in `live`, 404 for the others; counts what was asked.

    With `head_allowed` false, HEAD gets 405 (as some hosts answer), so a client must GET.
    """

    live: set[str] = field(default_factory=set)
    head_allowed: bool = True
    requests: list[tuple[str, str]] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def asked(self, path: str) -> list[str]:
        """The methods of the requests for `path`, in order."""
        return [method for method, asked in self.requests if asked == path]

    async def _answer(self, request: web.Request) -> web.Response:
        self.requests.append((request.method, request.path))
        if request.method == "HEAD" and not self.head_allowed:
            return web.Response(status=405)
        if request.path in self.live:
            return web.Response(text="<html>the post</html>", content_type="text/html")
        return web.Response(status=404, text="not yet")

    async def __aenter__(self) -> FakeSite:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._answer)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
