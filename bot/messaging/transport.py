"""The HTTP side of the Bot API: the bulk sender's aiohttp client and bot, Defaults."""

from __future__ import annotations

import math
from typing import Any

import aiohttp
from telegram import InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import NetworkError, TimedOut
from telegram.ext import Defaults, ExtBot
from telegram.request import BaseRequest, RequestData

from bot.settings import Settings

# Every text the bot sends is Telegram HTML: said once, for the Application and the bulk bot.
DEFAULTS = Defaults(parse_mode=ParseMode.HTML)


class AiohttpRequest(BaseRequest):
    """PTB's HTTP hook on one aiohttp session: the bulk sender's client.

    httpx spends several times the CPU of aiohttp on each request (about 1.4 ms against
    0.25 ms a message, measured by bench/delivery.py), which capped one process's paid
    broadcast well below Telegram's 1,000 messages a second. Parameters go as one JSON body
    (files, should any come, as multipart); timeouts and errors map onto PTB's.
    """

    def __init__(self, connections: int, timeout: float) -> None:
        self._connections = connections
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
                timeout=aiohttp.ClientTimeout(
                    sock_connect=self._timeout, sock_read=self._timeout
                ),
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_seconds(pool_timeout, self._timeout),
            sock_connect=_seconds(connect_timeout, self._timeout),
            sock_read=_seconds(read_timeout, self._timeout),
        )
        body: Any = None
        headers = None
        if request_data is not None:
            if request_data.contains_files:
                body = _form(request_data)
            else:
                body = request_data.json_payload
                headers = JSON_HEADERS
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


JSON_HEADERS = {"Content-Type": "application/json"}


def _seconds(value: Any, default: float) -> float | None:
    """A PTB timeout argument: DEFAULT_NONE means ours, None means no limit."""
    if isinstance(value, type(BaseRequest.DEFAULT_NONE)):
        return default
    return None if value is None else float(value)


def _form(request_data: RequestData) -> aiohttp.FormData:
    """Parameters and files as multipart/form-data, as Telegram takes uploads."""
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, part in request_data.multipart_data.items():
        filename, content, *mime = part
        form.add_field(name, content, filename=filename, content_type=mime[0] if mime else None)
    return form


class BulkBot(ExtBot[None]):
    """The bulk sender's bot: sends a note and keeps only the new message's id.

    PTB's `send_message` turns every answer into a full `Message` (with its chat, user and
    entities), the largest part of PTB's CPU per message in the sender's profile, while the
    outbox keeps only the id. The same request goes through PTB's own `_post`, so the
    parameters, the request layer and the errors (`Forbidden`, `RetryAfter`, ...) are PTB's.
    """

    async def send_note(
        self,
        chat_id: int,
        html: str,
        *,
        photo: str | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
        allow_paid_broadcast: bool | None = None,
        disable_notification: bool | None = None,
        link_preview_options: LinkPreviewOptions | None = None,
        message_thread_id: int | None = None,
    ) -> int:
        """sendMessage, or sendPhoto with `html` as the caption (into a forum topic when
        `message_thread_id` names one); the message id.

        None leaves a parameter out; link_preview_options only goes with a text message.
        """
        data: dict[str, Any] = {
            "chat_id": chat_id,
            "message_thread_id": message_thread_id,
            "parse_mode": ParseMode.HTML,
            "reply_markup": reply_markup,
            "allow_paid_broadcast": allow_paid_broadcast,
            "disable_notification": disable_notification,
        }
        if photo is None:
            endpoint, data["text"] = "sendMessage", html
            data["link_preview_options"] = link_preview_options
        else:
            endpoint, data["photo"], data["caption"] = "sendPhoto", photo, html
        result = await self._post(endpoint, data)
        return int(result["message_id"])


def sender_bot(settings: Settings, concurrency: int, *, timeout: float = 15.0) -> BulkBot:
    """A bot for bulk sends, with connections for as many sends as are in flight.

    An ExtBot rather than a plain Bot: only ExtBot takes Defaults (parse_mode=HTML).
    """
    request = AiohttpRequest(concurrency, timeout)
    return BulkBot(
        settings.require_token(), base_url=settings.api_url, request=request, defaults=DEFAULTS
    )


def concurrency_for(rate: float) -> int:
    """Sends in flight needed to keep up with `rate` when Telegram takes ~0.25 s to answer."""
    return max(8, min(256, math.ceil(rate * 0.25)))
