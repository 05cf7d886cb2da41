"""Updates run concurrently across chats and in arrival order within a chat."""

from __future__ import annotations

import asyncio

from telegram import Bot, Update

from bot.messaging.processing import PerChatUpdateProcessor
from bot.telemetry import Metrics
from tests.support.bots import BotFactory
from tests.support.conversation import ALICE, BOB
from tests.support.fake_telegram import FakeTelegram

COMMANDS = 6


def update_from(fake: FakeTelegram, bot: Bot, chat_id: int, text: str) -> Update:
    data = {"update_id": 1, **fake.command(text, chat_id=chat_id, enqueue=False)}
    update = Update.de_json(data, bot)
    assert update is not None
    return update


async def test_a_chat_waits_for_its_earlier_update_while_other_chats_go_ahead(
    fake: FakeTelegram,
) -> None:
    processor = PerChatUpdateProcessor(Metrics(), running=4)
    bot = Bot(fake.token, base_url=fake.base_url)
    log: list[str] = []
    release_first = asyncio.Event()

    async def handle(name: str, hold: asyncio.Event | None = None) -> None:
        log.append(f"{name} started")
        if hold is not None:
            await hold.wait()
        log.append(f"{name} done")

    updates = [
        (update_from(fake, bot, ALICE, "/help"), handle("alice 1", release_first)),
        (update_from(fake, bot, ALICE, "/help"), handle("alice 2")),
        (update_from(fake, bot, BOB, "/help"), handle("bob 1")),
    ]
    async with processor:
        # PTB starts one task per update, in arrival order.
        tasks = [asyncio.create_task(processor.process_update(u, c)) for u, c in updates]
        await asyncio.wait(tasks, timeout=0.2)
        assert log == ["alice 1 started", "bob 1 started", "bob 1 done"]
        release_first.set()
        await asyncio.gather(*tasks)
    assert log[3:] == ["alice 1 done", "alice 2 started", "alice 2 done"]


async def test_a_chat_cancelled_while_waiting_leaves_no_coroutine_unrun(
    fake: FakeTelegram,
) -> None:
    processor = PerChatUpdateProcessor(Metrics(), running=1)
    bot = Bot(fake.token, base_url=fake.base_url)
    hold = asyncio.Event()
    first = asyncio.create_task(
        processor.process_update(update_from(fake, bot, ALICE, "/help"), hold.wait())
    )
    second = asyncio.create_task(
        processor.process_update(update_from(fake, bot, ALICE, "/help"), asyncio.sleep(0))
    )
    await asyncio.sleep(0.05)
    second.cancel()  # filterwarnings=error: an unawaited coroutine would fail the test
    hold.set()
    await first
    assert second.cancelled()


async def test_replies_keep_each_chats_order_while_other_chats_are_answered(
    newsbot: BotFactory, fake: FakeTelegram
) -> None:
    fake.latency = 0.2  # every reply a round trip long: one at a time, ALICE's would block BOB
    await newsbot()
    for n in range(COMMANDS):
        fake.command(f"/subscribe topic{n}", chat_id=ALICE)
    fake.command("/help", chat_id=BOB)
    await fake.wait_for(lambda: len(fake.messages_to(ALICE)) == COMMANDS, 20)
    await fake.wait_for(lambda: len(fake.messages_to(BOB)) == 1, 5)
    replies = [m.text or "" for m in fake.messages_to(ALICE)]
    assert [f"topic{n}" in reply for n, reply in enumerate(replies)] == [True] * COMMANDS
    # BOB's reply went out before ALICE's last: chats do not wait for each other.
    bob = fake.messages_to(BOB)[0]
    assert bob.at < fake.messages_to(ALICE)[-1].at

