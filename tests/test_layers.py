"""The layers hold at import time: the domain loads only the domain, and `bot` changes nothing."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.processes import PROJECT_ROOT as ROOT
from tests.support.processes import child_environment

PROBE = """
import json, os, sys
before = dict(os.environ)
import bot
unchanged = dict(os.environ) == before
import bot.domain.posts, bot.domain.texts, bot.domain.commands, bot.domain.callbacks
loaded = sorted(
    name for name in sys.modules
    if name.split(".")[0] in {"telegram", "sqlalchemy", "storage"}
    or name.startswith(("bot.messaging", "bot.scanning"))
)
print(json.dumps({"unchanged": unchanged, "loaded": loaded}))
"""


def test_importing_the_domain_loads_neither_telegram_nor_sqlalchemy_nor_storage() -> None:
    env = child_environment()
    env.pop("PTB_TIMEDELTA", None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    found = json.loads(out.stdout)
    assert found == {"unchanged": True, "loaded": []}


def test_the_telegram_side_sets_ptbs_timedelta_opt_in() -> None:
    env = child_environment()
    env.pop("PTB_TIMEDELTA", None)
    probe = "import os, bot.messaging; print(os.environ.get('PTB_TIMEDELTA'))"
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "1"
