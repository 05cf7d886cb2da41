"""POST /hooks/publish: a site's CI says it published; newsbot scans at once."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from bot.messaging.context import Services
from bot.web.bodies import BodyTooLarge, bounded_body

logger = logging.getLogger(__name__)

BEARER = "bearer "
GITHUB_SIGNATURE = "X-Hub-Signature-256"
# A push event from GitHub is a few tens of kB; nothing larger is read.
MAX_BODY = 1 << 20


def authorized(secret: str | None, authorization: str, signature: str, body: bytes) -> bool:
    """A bearer token equal to the secret, or GitHub's HMAC-SHA256 of the body with it."""
    if not secret:
        return False
    if authorization[: len(BEARER)].lower() == BEARER:
        return hmac.compare_digest(authorization[len(BEARER) :].encode(), secret.encode())
    if signature:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature.encode(), expected.encode())
    return False


@dataclass(frozen=True)
class PublishHook:
    services: Services

    async def publish(self, request: Request) -> Response:
        try:
            body = await bounded_body(request, MAX_BODY)
        except BodyTooLarge:
            logger.warning("refused a publish hook with a body over %d bytes (413)", MAX_BODY)
            return Response(status_code=413)
        headers = request.headers
        secret = self.services.settings.hook_secret
        if not authorized(
            secret, headers.get("Authorization", ""), headers.get(GITHUB_SIGNATURE, ""), body
        ):
            logger.warning("refused a publish hook without valid credentials (401)")
            return Response(status_code=401)
        logger.info("publish hook: scanning now")
        self.services.request_scan()
        return Response(status_code=202)
