"""Reminders through the real PTB-based Telegram sender against the local fake Bot API:
429 is honoured without duplicates, 403 deactivates the member and tells the leader."""

import asyncio

import pytest
from telegram import Bot

from bot.channels.telegram.sender import TelegramSender
from scheduler.store import join_by_phone
from tests.fakes.clock import ManualClock
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.scheduler.conftest import CHATS, World, local

NUMERIC_CHATS = {phone: str(9000 + n) for n, phone in enumerate(CHATS)}
TRUONG, AN, BINH = (NUMERIC_CHATS[p] for p in ("0900000001", "0900000002", "0900000003"))


@pytest.fixture
async def telegram_world(tmp_path):
    async with FakeTelegram() as fake:
        bot = Bot(TOKEN, base_url=fake.base_url)
        await bot.initialize()
        clock = ManualClock(local("2025-08-08T07:00"))
        world = World(tmp_path, clock)
        world.outbox.register(TelegramSender(bot), rate_per_second=25)
        world.load()
        for phone, chat in NUMERIC_CHATS.items():
            join_by_phone(world.db, phone, "telegram", chat)
        await world.clock.set(local("2025-08-08T08:00"))
        await world.outbox.start()
        yield world, fake
        await world.outbox.stop()
        await bot.shutdown()


async def run_until(world: World, done, limit: float = 30.0) -> None:
    """Advance the manual clock in small steps while real HTTP requests complete."""
    for _ in range(int(limit / 0.1)):
        if done():
            return
        await world.clock.advance(0.1)
        await asyncio.sleep(0.005)
    raise AssertionError("not finished in time")


def sends_to(fake: FakeTelegram, chat: str) -> int:
    return len(fake.sent("sendMessage", int(chat)))


async def test_a_429_is_retried_after_retry_after_and_nothing_is_sent_twice(telegram_world):
    world, fake = telegram_world
    fake.fail("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    await world.service.tick()
    await run_until(world, lambda: len(world.delivered()) == 3)
    first_429_at = world.clock.monotonic()
    assert [sends_to(fake, chat) for chat in (AN, BINH, TRUONG)] == [2, 1, 1]
    await world.service.tick()
    await world.clock.advance(5)
    assert [sends_to(fake, chat) for chat in (AN, BINH, TRUONG)] == [2, 1, 1]
    assert first_429_at >= 3.0


async def test_a_403_deactivates_the_member_and_tells_the_leader(telegram_world):
    world, fake = telegram_world
    fake.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await world.service.tick()
    await run_until(world, lambda: sends_to(fake, TRUONG) == 2)
    notice = fake.sent("sendMessage", int(TRUONG))[-1]["text"]
    assert "Nguyễn Văn An" in notice and "đã chặn" in notice
    status = world.db.execute(
        "SELECT status FROM deliveries WHERE member_id = 'tct-ba-dinh.0900000002'"
    ).fetchall()
    assert status == [("blocked",)]
    await world.at("2025-08-12T08:00")
    await run_until(world, lambda: sends_to(fake, BINH) == 2)
    assert sends_to(fake, AN) == 1  # only the refused attempt
