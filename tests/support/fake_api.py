"""Shared by the fake Bot API's tests: chat ids, a raw call without PTB, a keyboard, a clock."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from tests.support.fake_telegram import SPEC_ENV, FakeTelegram, spec_path_from_env

CHAT = 5
GROUP = -1001234567890
# Checks that only the Bot API spec can make skip without it (a fresh clone, or SPEC_ENV=none).
needs_spec = pytest.mark.skipif(
    spec_path_from_env() is None,
    reason=f"needs the Bot API spec: ../shared/telegram/bot-api.json or {SPEC_ENV}=PATH",
)


async def raw(fake: FakeTelegram, method: str, token: str | None = None, **kw: Any) -> Any:
    """Call the fake without PTB: kw goes to httpx (data=, json=, files=)."""
    url = f"{fake.base_url}{token or fake.token}/{method}"
    async with httpx.AsyncClient() as client:
        response = await client.post(url, **kw)
    body = response.json()
    assert body["ok"] == (response.status_code == 200)
    return response.status_code, body


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


class ManualClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
