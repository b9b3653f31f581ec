"""Starting the Telegram channel: a rejected token or an odd Bot API server is a clear error,
an outage is waited out."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import App
from bot.channel_kit import ChannelStartError
from tests.channels import FAST_OUTBOX
from tests.fakes.local_server import free_port
from tests.fakes.telegram_api import TOKEN, FakeTelegram


async def test_a_token_telegram_rejects_stops_the_start_with_a_clear_message(
    make_config, telegram_api: FakeTelegram
) -> None:
    app = App(make_config(telegram__token="123:wrong-token",
                          telegram__base_url=telegram_api.base_url, **FAST_OUTBOX))
    with pytest.raises(ChannelStartError, match=r"từ chối telegram\.token"):
        await app.start()
    await app.stop()


async def test_a_get_me_answer_missing_required_fields_is_one_line_naming_the_server(
    make_config, telegram_api: FakeTelegram
) -> None:
    telegram_api.answer_unreadably("getMe", {"id": 5, "username": "gia_lap_bot"}, times=5)
    app = App(make_config(telegram__token=TOKEN, telegram__base_url=telegram_api.base_url,
                          **FAST_OUTBOX))
    with pytest.raises(ChannelStartError) as refused:
        await app.start()
    await app.stop()
    line = str(refused.value)
    assert telegram_api.base_url in line and "getMe" in line
    assert "thiếu trường is_bot, first_name" in line and "gia_lap_bot" in line
    assert "\n" not in line and TOKEN not in line


async def test_the_bot_waits_for_an_unreachable_bot_api_and_starts_when_it_answers(
    make_config, monkeypatch
) -> None:
    monkeypatch.setattr("bot.telegram_channel.STARTUP_RETRY_FIRST", 0.05)
    port = free_port()
    api = FakeTelegram(port=port)
    app = App(make_config(telegram__token=TOKEN, telegram__poll_timeout=1, **FAST_OUTBOX,
                          telegram__base_url=f"http://127.0.0.1:{port}/bot"))
    starting = asyncio.create_task(app.start())
    await asyncio.sleep(0.2)
    assert not starting.done()  # still retrying getMe
    async with api:
        await asyncio.wait_for(starting, timeout=5)
        assert any(call.method == "getMe" for call in api.calls)
        await app.stop()
