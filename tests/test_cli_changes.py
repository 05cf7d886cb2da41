"""`newsbot recall ID`, `newsbot audit` and the change counts of `newsbot stats`, as a user runs
them: a broadcast sent from the shell is recalled from the shell."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from storage.store import Store
from tests.support.fake_telegram import FakeTelegram
from tests.support.outbox import NOW
from tests.support.processes import child_environment


async def newsbot(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str, str]:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode is not None
    return child.returncode, out.decode(), err.decode()


async def test_recall_from_the_shell_deletes_every_copy_and_is_audited(
    store: Store, fake: FakeTelegram, database_url: str, tmp_path: Path
) -> None:
    for chat in (1, 2, 3):
        await store.register_chat(chat, "private", "", NOW)
    env = child_environment(
        TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url, DATABASE_URL=database_url
    )
    code, _, err = await newsbot(env, tmp_path, "broadcast", "Wrong news", "--yes")
    assert code == 0, err
    [entry] = await store.audit()
    broadcast_id = entry.detail.removeprefix("#").split(" ")[0]

    code, _, err = await newsbot(env, tmp_path, "recall", broadcast_id)
    assert code == 0, err
    assert "Recalled: 3 copies deleted, 0 could not be deleted." in err
    assert sorted(fake.deleted) == sorted((m.chat_id, m.message_id) for m in fake.sent)

    code, _, err = await newsbot(env, tmp_path, "recall", broadcast_id)
    assert code == 2 and "already recalled" in err

    code, out, _ = await newsbot(env, tmp_path, "audit")
    assert code == 0
    lines = out.splitlines()
    assert [line.split("  ")[1:3] for line in lines] == [
        ["shell", "broadcast recalled"],
        ["shell", "broadcast sent"],
    ]
    code, out, _ = await newsbot(env, tmp_path, "stats")
    assert "deletions: 3 deleted" in out


async def test_recall_of_no_broadcast_says_so(
    store: Store, fake: FakeTelegram, database_url: str, tmp_path: Path
) -> None:
    env = child_environment(
        TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url, DATABASE_URL=database_url
    )
    for wrong in ("42", "-1", "x" * 30):
        code, _, err = await newsbot(env, tmp_path, "recall", wrong)
        assert code == 2, err
        assert err.startswith("newsbot: error:")
