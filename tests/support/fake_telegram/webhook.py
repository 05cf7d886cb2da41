"""Webhook mode: setWebhook/deleteWebhook, and pushing each update to the webhook's URL.

As Telegram does: once a webhook is set, queued updates are POSTed to its URL one at a time,
in order, with the secret token in X-Telegram-Bot-Api-Secret-Token; an update stays queued
(and is pushed again shortly) until the bot answers 2xx. getUpdates answers 409 meanwhile.
Unlike Telegram, the fake accepts http:// URLs and any port (the bot under test listens on
127.0.0.1).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time

import aiohttp

from tests.support.fake_telegram.records import JSON, Exchange, bad_request
from tests.support.fake_telegram.state import BotApiState

SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY_DELAY = 0.1  # seconds before pushing an update again after a failed push
# Update types Telegram leaves out until allowed_updates names them.
NOT_ALLOWED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class WebhookPush(BotApiState):
    """The webhook's settings, the task that pushes updates, and what the bot answered."""

    webhook_secret: str | None = None
    webhook_allowed: frozenset[str] | None = None
    _pusher: asyncio.Task[None] | None = None

    def reset(self) -> None:
        super().reset()
        # The HTTP status the bot answered to each push (0: the connection failed).
        self.webhook_pushes: list[int] = []

    def _set_webhook(self, ex: Exchange) -> bool:
        url = str(ex.params["url"])
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = ex.params.get("secret_token")
        if secret is not None and not SECRET_TOKEN.fullmatch(str(secret)):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        if ex.params.get("drop_pending_updates") in (True, "true"):
            self._updates.clear()
        self.webhook_url = url
        self.webhook_secret = None if secret is None else str(secret)
        allowed = ex.params.get("allowed_updates")
        self.webhook_allowed = frozenset(allowed) if allowed else None
        if self._pusher is None or self._pusher.done():
            self._pusher = asyncio.create_task(self._push_updates())
        self._notify()
        return True

    def _delete_webhook(self, ex: Exchange) -> bool:
        """deleteWebhook, dropping the queue when asked to."""
        self.webhook_url = ""
        if ex.params.get("drop_pending_updates") in (True, "true"):
            self._updates.clear()
        self._notify()
        return True

    def _get_webhook_info(self, ex: Exchange) -> JSON:
        info: JSON = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        return info

    async def stop_pushing(self) -> None:
        """End the push task (the fake is stopping)."""
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None

    async def _push_updates(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while self.webhook_url:
                changed = self._changed
                self._updates = [u for u in self._updates if self._webhook_allows(u)]
                if not self._updates:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), 1.0)
                    continue
                update = self._updates[0]
                status = await self._push(session, update)
                self.webhook_pushes.append(status)
                if 200 <= status < 300:
                    if self._updates and self._updates[0] is update:
                        self._updates.pop(0)
                else:
                    await asyncio.sleep(RETRY_DELAY)

    async def _push(self, session: aiohttp.ClientSession, update: JSON) -> int:
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret is not None:
            headers[SECRET_HEADER] = self.webhook_secret
        self._in_flight += 1
        try:
            async with session.post(
                self.webhook_url, data=json.dumps(update), headers=headers
            ) as response:
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return 0
        finally:
            self._in_flight -= 1
            self._last_activity = time.monotonic()

    def _webhook_allows(self, update: JSON) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if self.webhook_allowed is None:
            return kind not in NOT_ALLOWED_BY_DEFAULT
        return kind in self.webhook_allowed
