"""The fake Bot API server: the aiohttp app PTB talks to over real HTTP, as strict as Telegram.

A call goes through the token and method name, the spec (or the fallback typing), Telegram's
content rules, the knobs, then the method itself; every call is recorded.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from tests.support.fake_telegram.channels import ChannelWorld
from tests.support.fake_telegram.methods import SEND_METHODS, BotApiMethods
from tests.support.fake_telegram.records import (
    JSON,
    ApiError,
    Call,
    Exchange,
    Upload,
    bad_request,
)
from tests.support.fake_telegram.rules import check_content
from tests.support.fake_telegram.spec import BotApiSpec, decode_without_spec, spec_path_from_env
from tests.support.fake_telegram.state import DEFAULT_TOKEN
from tests.support.fake_telegram.updates import UpdateBuilders


class FakeTelegram(UpdateBuilders, ChannelWorld, BotApiMethods):
    """A local Bot API server: validates what the bot sends, records it, answers like Telegram."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        spec_path: Path | None = None,
        use_spec: bool = True,
        rate_limit: int | None = None,
        group_rate_limit: int | None = None,
        port: int = 0,
        delay: float = 0.0,
        error_rate: float = 0.0,
        latency: float = 0.0,
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            token=token,
            rate_limit=rate_limit,
            group_rate_limit=group_rate_limit,
            delay=delay,
            error_rate=error_rate,
            latency=latency,
            seed=seed,
            clock=clock,
        )
        path = spec_path or (spec_path_from_env() if use_spec else None)
        self.spec = BotApiSpec.load(path) if path is not None else None
        self.port = port
        self._handlers = self.method_handlers()
        known = self.spec.methods if self.spec else self._handlers
        self._method_names = {name.lower(): name for name in known}
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """PTB's base_url: the request URL is f"{base_url}{token}/{method}"."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        """Start serving on 127.0.0.1 (a random port unless one was given)."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/_fake/stats", self._handle_stats)
        app.router.add_post("/_fake/reset", self._handle_reset)
        app.router.add_post("/_fake/update", self._handle_update)
        app.router.add_post("/_fake/commands", self._handle_commands)
        app.router.add_get("/_fake/sent", self._handle_sent)
        app.router.add_get("/_fake/first_sent", self._handle_first_sent)
        # handler_cancellation: a client that hangs up ends its long poll, as on Telegram.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop serving and close every connection."""
        await self.stop_pushing()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _handle_stats(self, request: web.Request) -> web.Response:
        """GET /_fake/stats."""
        return web.json_response(self.stats())

    async def _handle_reset(self, request: web.Request) -> web.Response:
        """POST /_fake/reset."""
        self.reset()
        return web.json_response({"ok": True})

    async def _handle_first_sent(self, request: web.Request) -> web.Response:
        """GET /_fake/first_sent?contains=TEXT: when the first message holding TEXT was
        accepted (the fake's clock, time.monotonic by default) and how many came before it.
        """
        wanted = request.query.get("contains", "")
        for index, sent in enumerate(self.sent):
            if wanted in (sent.text or ""):
                return web.json_response({"at": sent.at, "before": index})
        return web.json_response({"at": None, "before": len(self.sent)})

    async def _handle_update(self, request: web.Request) -> web.Response:
        """POST /_fake/update: queue the JSON body as an update (for benchmarks)."""
        return web.json_response({"ok": True, "result": self.add_update(await request.json())})

    async def _handle_commands(self, request: web.Request) -> web.Response:
        """POST /_fake/commands {"text": "/start", "chat_ids": [...]}: one user per chat sends it.

        Answers with the fake's clock when they were queued (the clock of /_fake/sent).
        """
        body = await request.json()
        for chat_id in body["chat_ids"]:
            self.command(str(body["text"]), chat_id=int(chat_id))
        return web.json_response({"ok": True, "at": self.clock()})

    async def _handle_sent(self, request: web.Request) -> web.Response:
        """GET /_fake/sent: whether the bot polls, and each accepted message's chat and time."""
        messages = [{"chat_id": m.chat_id, "at": m.at} for m in self.sent]
        return web.json_response({"polling": self.polling, "messages": messages})

    async def _handle_api(self, request: web.Request) -> web.Response:
        """Answer one Bot API call after the network's latency (Telegram is never instant)."""
        self._in_flight += 1
        self._last_activity = time.monotonic()
        try:
            response = await self._answer(request)
            if self.latency > 0:
                await asyncio.sleep(self.latency)
            return response
        finally:
            self._in_flight -= 1
            self._last_activity = time.monotonic()

    async def _answer(self, request: web.Request) -> web.Response:
        """Validate, apply the knobs, perform, record."""
        ex = Exchange(request.match_info["method"], {}, self.clock(), request)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            ex.method = self._method_names.get(ex.method.lower(), "")
            if not ex.method:
                raise ApiError(404, "Not Found: method not found")
            raw, uploads = await read_params(request)
            ex.params = dict(raw)
            ex.params = self._decode(ex.method, raw, uploads)
            result = self._perform(ex)
            if isinstance(result, Awaitable):
                result = await result
        except ApiError as err:
            self._record(ex, err.status, err.description, rejected=not err.deliberate)
            return web.json_response(err.payload(), status=err.status)
        self._record(ex, 200)
        await self._answer_late(request, ex)
        return web.json_response({"ok": True, "result": result})

    def _decode(self, method: str, raw: Mapping[str, str], uploads: Mapping[str, Upload]) -> JSON:
        """Parameters checked against the spec and decoded (by FALLBACK_TYPES without it)."""
        if self.spec is None:
            return decode_without_spec(raw, uploads)
        return self.spec.decode_params(method, raw, uploads)

    def _record(
        self, ex: Exchange, status: int, description: str | None = None, *, rejected: bool = False
    ) -> None:
        """Log the call; file it under conflicts, 429s or (the bot's fault) rejected."""
        call = Call(ex.method, ex.params, status, ex.at, description)
        self.calls.append(call)
        if status == 409:
            (self.conflicts if rejected else self.foreign_conflicts).append(call)
        elif status == 429:
            self.rejected_429 += 1
        elif rejected:
            self.rejected.append(call)

    async def _answer_late(self, request: web.Request, ex: Exchange) -> None:
        """Sleep the configured delay; mark the call slow if the client hung up meanwhile."""
        delay = self.method_delays.get(ex.method, self.delay)
        if delay <= 0 or ex.method == "getUpdates":
            return
        try:
            await asyncio.sleep(delay)
        finally:
            if ex.hung_up():
                for record in ex.records:
                    record.slow = True

    def _perform(self, ex: Exchange) -> Any:
        """Content checks, then the knobs, then the method itself (no await in between)."""
        ex.at = self.clock()  # acceptance time: the rate limits' clock
        check_content(ex)
        if "chat_id" in ex.params:
            ex.chat_id = self._resolve_chat(ex.params["chat_id"])
            self._check_chat(ex.chat_id, ex.method)
        if ex.method in SEND_METHODS and ex.chat_id is not None:
            self._check_send(ex.chat_id)
        handler = self._handlers.get(ex.method)
        if handler is not None:
            return handler(ex)
        if self.spec is not None and self.spec.returns_true(ex.method):
            return True
        raise bad_request("method not supported by the fake")


async def read_params(request: web.Request) -> tuple[dict[str, str], dict[str, Upload]]:
    """Parameters as Telegram sees them: strings from the query, form, multipart or JSON body."""
    raw: dict[str, str] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        raw.update(
            {
                k: v if isinstance(v, str) else json.dumps(v)
                for k, v in body.items()
                if v is not None
            }
        )
    elif request.content_type == "multipart/form-data":
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                uploads[part.name] = Upload(part.filename, len(await part.read()))
            else:
                raw[part.name] = await part.text()
    elif request.can_read_body:
        raw.update({k: str(v) for k, v in (await request.post()).items()})
    return raw, uploads
