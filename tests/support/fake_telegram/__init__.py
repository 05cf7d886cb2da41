"""A fake Telegram Bot API server that PTB talks to over real HTTP, as strict as the real one.

In tests: ``async with FakeTelegram() as fake: bot = Bot(fake.token, base_url=fake.base_url)``
(``FakeTelegram(latency=0.08)`` answers every call 80 ms late, as over a real network).
For benchmarks: ``python -m tests.support.fake_telegram --rate-limit 30 --latency 0.08``.
Calls are checked against the Bot API spec: ../shared/telegram/bot-api.json, or the file
$NEWSBOT_BOT_API_SPEC names (``none``: no spec, parameters decoded by FALLBACK_TYPES).

Modules: ``server`` (the aiohttp app and FakeTelegram), ``methods`` (the Bot API methods and the
misbehaviour knobs), ``state`` (what the fake knows and recorded), ``updates`` (incoming updates
a test makes users send), ``forums`` (forum supergroups, their topics, deleted topics),
``rules`` (Telegram's limits and keyboard rules), ``html`` (Telegram's HTML parse mode), ``spec``
(the Bot API spec checks and the typing without it), ``records`` (sent messages, calls, errors).
"""

from tests.support.fake_telegram.html import parse_html, utf16_len
from tests.support.fake_telegram.records import JSON, ApiError, Call, SentMessage, Upload
from tests.support.fake_telegram.rules import (
    CALLBACK_ANSWER_LIMIT,
    CALLBACK_DATA_LIMIT,
    CAPTION_LIMIT,
    TEXT_LIMIT,
)
from tests.support.fake_telegram.server import FakeTelegram
from tests.support.fake_telegram.spec import (
    DEFAULT_SPEC_PATH,
    FALLBACK_TYPES,
    SPEC_ENV,
    BotApiSpec,
    spec_path_from_env,
)
from tests.support.fake_telegram.state import BOT_USERNAME, DEFAULT_TOKEN
from tests.support.fake_telegram.updates import GROUP_USER_ID

__all__ = [
    "BOT_USERNAME",
    "CALLBACK_ANSWER_LIMIT",
    "CALLBACK_DATA_LIMIT",
    "CAPTION_LIMIT",
    "DEFAULT_SPEC_PATH",
    "DEFAULT_TOKEN",
    "FALLBACK_TYPES",
    "GROUP_USER_ID",
    "JSON",
    "SPEC_ENV",
    "TEXT_LIMIT",
    "ApiError",
    "BotApiSpec",
    "Call",
    "FakeTelegram",
    "SentMessage",
    "Upload",
    "parse_html",
    "spec_path_from_env",
    "utf16_len",
]
