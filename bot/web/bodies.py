"""Request bodies read with a size bound: a client cannot make the bot buffer gigabytes."""

from __future__ import annotations

from starlette.requests import Request


class BodyTooLarge(ValueError):
    """The request's body (announced or sent) is over the endpoint's bound."""


async def bounded_body(request: Request, limit: int) -> bytes:
    """The body, or BodyTooLarge as soon as more than `limit` bytes are announced or read."""
    announced = request.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > limit:
        raise BodyTooLarge(announced)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(str(size))
        chunks.append(chunk)
    return b"".join(chunks)
