"""POST /telegram: Telegram's updates in webhook mode, checked against the secret token."""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from bot.messaging.application import queue_update
from bot.messaging.context import NewsApplication
from bot.web.bodies import BodyTooLarge, bounded_body

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An update is a few kB; Telegram never sends one near this.
MAX_BODY = 1 << 20


@dataclass(frozen=True)
class Webhook:
    """Hands each update with the right secret to the application's update queue."""

    application: NewsApplication
    secret: str = field(repr=False)

    async def receive(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            logger.warning("refused an update with a wrong or missing secret token (403)")
            return Response(status_code=403)
        try:
            await queue_update(self.application, json.loads(await bounded_body(request, MAX_BODY)))
        except BodyTooLarge:
            logger.warning("refused an update with a body over %d bytes (413)", MAX_BODY)
            return Response(status_code=413)
        except ValueError as exc:
            logger.warning("refused a malformed update (400): %s", type(exc).__name__)
            return Response(status_code=400)
        return Response(status_code=200)
