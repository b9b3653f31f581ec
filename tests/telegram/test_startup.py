"""Starting the Telegram channel: a rejected token or an odd Bot API server is a clear error,
an outage is waited out."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from bot.app import App
from bot.channels import ChannelStartError
from bot.channels.telegram.channel import STARTUP_RETRY_FIRST
from foundations.settings import Config
from knowledge.service import KnowledgeService
from tests.channels import FAST_OUTBOX
from tests.fakes.clock import ManualClock
from tests.fakes.local_server import free_port
from tests.fakes.telegram_api import TOKEN, FakeTelegram


@pytest.fixture
def telegram_app(
    make_config: Callable[..., Config], knowledge: KnowledgeService
) -> Callable[..., App]:
    """A bot with Telegram configured by `settings`, not started."""

    def make(clock: ManualClock | None = None, **settings: Any) -> App:
        return App(make_config(**FAST_OUTBOX, **settings), knowledge, clock=clock)

    return make


async def test_a_token_telegram_rejects_stops_the_start_with_a_clear_message(
    telegram_app: Callable[..., App], telegram_api: FakeTelegram
) -> None:
    app = telegram_app(telegram__token="123:wrong-token",
                       telegram__base_url=telegram_api.base_url)
    with pytest.raises(ChannelStartError, match=r"từ chối telegram\.token"):
        await app.start()
    await app.stop()


async def test_a_get_me_answer_missing_required_fields_is_one_line_naming_the_server(
    telegram_app: Callable[..., App], telegram_api: FakeTelegram
) -> None:
    telegram_api.answer_unreadably("getMe", {"id": 5, "username": "gia_lap_bot"}, times=5)
    app = telegram_app(telegram__token=TOKEN, telegram__base_url=telegram_api.base_url)
    with pytest.raises(ChannelStartError) as refused:
        await app.start()
    await app.stop()
    line = str(refused.value)
    assert telegram_api.base_url in line and "getMe" in line
    assert "thiếu trường is_bot, first_name" in line and "gia_lap_bot" in line
    assert "\n" not in line and TOKEN not in line


async def test_the_bot_waits_for_an_unreachable_bot_api_and_starts_when_it_answers(
    telegram_app: Callable[..., App],
) -> None:
    port = free_port()
    clock = ManualClock()
    app = telegram_app(clock, telegram__token=TOKEN, telegram__poll_timeout=1,
                       telegram__base_url=f"http://127.0.0.1:{port}/bot")
    starting = asyncio.create_task(app.start())
    for _ in range(300):  # the first getMe finds nobody listening: a retry is planned
        if clock.sleepers():
            break
        await asyncio.sleep(0.01)
    assert clock.sleepers() and not starting.done()  # waiting on the bot's clock
    async with FakeTelegram(port=port) as api:
        await clock.advance(STARTUP_RETRY_FIRST)
        await asyncio.wait_for(starting, timeout=STARTUP_RETRY_FIRST / 2)  # no real wait
        assert [call.method for call in api.calls][:1] == ["getMe"]
        await app.stop()
