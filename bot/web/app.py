"""The one ASGI app: health and metrics always; the webhook and publish hook for `run`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import Route

from bot.messaging.context import NewsApplication, Services
from bot.web.health import Probe
from bot.web.hooks import PublishHook
from bot.web.server import WebServer
from bot.web.webhook import Webhook

WEBHOOK_PATH = "/telegram"


def build_app(services: Services, application: NewsApplication | None = None) -> Starlette:
    """The routes of this process: a `run` passes its application, a `worker` does not."""
    probe = Probe(services, application)
    routes = [
        Route("/healthz", probe.healthz, methods=["GET"]),
        Route("/metrics", probe.metrics, methods=["GET"]),
    ]
    if application is not None:
        routes.append(Route("/hooks/publish", PublishHook(services).publish, methods=["POST"]))
        if services.settings.webhook_url:
            webhook = Webhook(application, services.settings.webhook_secret)
            routes.append(Route(WEBHOOK_PATH, webhook.receive, methods=["POST"]))
    return Starlette(routes=routes)


@contextlib.asynccontextmanager
async def serving(
    services: Services, application: NewsApplication | None = None
) -> AsyncIterator[None]:
    """Serve the app on HTTP_HOST:HTTP_PORT meanwhile; nothing when HTTP_PORT is not set.

    A port that cannot be had raises ListenError (a SettingsError) before anything else.
    """
    settings = services.settings
    if settings.http_port is None:
        yield
        return
    server = WebServer(build_app(services, application), settings.http_host, settings.http_port)
    await server.start()
    try:
        yield
    finally:
        await server.stop()
