"""What the fake records and answers with: sent messages, calls, uploads, one exchange, errors."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JSON = dict[str, Any]


@dataclass
class SentMessage:
    """A message the bot sent or edited, as the fake accepted it."""

    method: str
    chat_id: int  # 0 for inline messages
    message_id: int
    text: str | None  # HTML as sent; the caption for photos
    parse_mode: str | None
    photo: str | None
    reply_markup: JSON | None
    params: JSON
    at: float
    slow: bool = False  # answered after the client had given up (Telegram delivered it anyway)


@dataclass(frozen=True)
class Call:
    """One Bot API call and the status the fake answered with."""

    method: str
    params: Mapping[str, Any]
    status: int
    at: float
    description: str | None = None


@dataclass(frozen=True)
class Upload:
    """A file uploaded in a multipart request."""

    filename: str | None
    size: int


class ApiError(Exception):
    """An error answer of the Bot API; `deliberate` marks those a misbehaviour knob caused."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        parameters: JSON | None = None,
        deliberate: bool = False,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters
        self.deliberate = deliberate

    def payload(self) -> JSON:
        """The JSON body Telegram answers with."""
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> ApiError:
    """A 400 answer with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {description}")


def too_many_requests(retry_after: float) -> ApiError:
    """A 429 with whole seconds, at least 1 (PTB ignores a retry_after of 0)."""
    seconds = max(1, math.ceil(retry_after))
    return ApiError(
        429,
        f"Too Many Requests: retry after {seconds}",
        parameters={"retry_after": seconds},
        deliberate=True,
    )


@dataclass
class Exchange:
    """One API call on its way through the fake."""

    method: str
    params: JSON
    at: float
    request: web.Request
    chat_id: int | None = None
    text: str | None = None  # visible text (or caption) after parsing
    entities: list[JSON] | None = None
    records: list[SentMessage] = field(default_factory=list)

    def hung_up(self) -> bool:
        """Whether the client has closed the connection (gave up waiting)."""
        transport = self.request.transport
        return transport is None or transport.is_closing()


# A Bot API method the fake implements: its result, or an awaitable of it.
Handler = Callable[[Exchange], Any]
