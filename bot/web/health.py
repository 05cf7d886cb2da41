"""GET /healthz and GET /metrics: what this process sees, and what it counted."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.domain.health import HealthFacts, OutboxSummary, problems, report
from bot.domain.outages import describe
from bot.messaging.context import NewsApplication, Services

# A database slower than this to answer counts as unreachable for the health check.
DATABASE_TIMEOUT = 5.0


@dataclass(frozen=True)
class Probe:
    """Looks at one process: a `run` (with its application) or a `worker` (without)."""

    services: Services
    application: NewsApplication | None = None

    async def outbox(self) -> OutboxSummary:
        return await asyncio.wait_for(self.services.store.outbox_summary(), DATABASE_TIMEOUT)

    def facts(self, outbox: OutboxSummary | None, database_error: str | None) -> HealthFacts:
        services, application = self.services, self.application
        settings = services.settings
        since_scan = None
        if application is None:
            role, alive = "worker", True
        elif settings.webhook_url:
            role, alive = "webhook", application.running
        elif services.leading:
            updater = application.updater
            role, alive = "polling", updater is not None and updater.running
        else:
            role, alive = "standby", True
        if application is not None and services.leading:
            last = services.last_scan_at or services.leading_since
            if last is not None:
                since_scan = (services.clock.now() - last).total_seconds()
        return HealthFacts(
            role=role,
            updates_alive=alive,
            scan_interval=settings.scan_interval,
            since_last_scan=since_scan,
            database_error=database_error,
            outbox=outbox,
        )

    async def healthz(self, request: Request) -> Response:
        """200 and the facts, or 503 and the same facts with what is wrong."""
        outbox, error = None, None
        try:
            outbox = await self.outbox()
        except Exception as exc:
            error = describe(exc) if not isinstance(exc, TimeoutError) else "no answer in 5 s"
        facts = self.facts(outbox, error)
        body = report(facts, self.services.clock.now())
        return JSONResponse(body, status_code=503 if problems(facts) else 200)

    async def metrics(self, request: Request) -> Response:
        """Prometheus's text format; the outbox gauges are read from the database now."""
        try:
            outbox: OutboxSummary | None = await self.outbox()
        except Exception:
            outbox = None  # the scrape still shows the counters
        body = self.services.metrics.render(outbox, self.services.clock.now())
        return Response(body, media_type=CONTENT_TYPE_LATEST)
