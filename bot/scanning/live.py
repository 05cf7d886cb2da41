"""Asking the site whether a post's page is live: HEAD, then GET where HEAD is not allowed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import httpx

logger = logging.getLogger(__name__)

# Seconds one request may take (connecting, and reading the answer's head).
REQUEST_TIMEOUT = 10.0
# Pages asked about at once.
CONCURRENCY = 8
# Answers to HEAD that mean "ask with GET" (HEAD not allowed, or not implemented).
HEAD_REFUSED = frozenset({405, 501})
USER_AGENT = "newsbot (is the post live yet?)"


def live_client() -> httpx.AsyncClient:
    """The HTTP client of the checks: short timeouts, redirects followed (a few)."""
    return httpx.AsyncClient(
        timeout=REQUEST_TIMEOUT,
        follow_redirects=True,
        max_redirects=5,
        headers={"User-Agent": USER_AGENT},
    )


async def page_status(client: httpx.AsyncClient, url: str) -> int | None:
    """The status the page at `url` answers with; None if it does not answer.

    Only http(s) URLs are asked (a redirect elsewhere fails); no body is read.
    """
    if not url.lower().startswith(("http://", "https://")):
        return None
    try:
        response = await client.head(url)
        if response.status_code in HEAD_REFUSED:
            async with client.stream("GET", url) as streamed:
                return streamed.status_code
        return response.status_code
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        logger.debug("%s does not answer: %s", url, exc)
        return None


async def page_statuses(client: httpx.AsyncClient, urls: Sequence[str]) -> list[int | None]:
    """page_status of each URL, a few at a time, in the order given."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(url: str) -> int | None:
        async with gate:
            return await page_status(client, url)

    return list(await asyncio.gather(*(one(url) for url in urls)))
