"""Webhook mode: Telegram POSTs updates with our secret; anything else is turned away."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import App
from tests.channels import PostRaw, webhook_poster
from tests.fakes.local_server import free_port
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram.conftest import WEBHOOK_SECRET

CITIZEN = 1001
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    return {
        "telegram__mode": "webhook",
        "telegram__webhook_url": "https://troly06.example.vn/telegram",
        "telegram__webhook_port": free_port(),
        "telegram__secret_token": WEBHOOK_SECRET,
    }


@pytest.fixture
async def post(bot: App, bot_settings: dict[str, Any]) -> AsyncIterator[PostRaw]:
    """POST a body to the bot's webhook with the given headers; returns the status."""
    async with webhook_poster(bot_settings["telegram__webhook_port"], "/telegram") as send:
        yield send


def update(api: FakeTelegram, text: str) -> bytes:
    return json.dumps(api.text_update(CITIZEN, text)).encode()


async def test_webhook_is_registered_with_the_secret_and_polling_is_off(
    bot: App, telegram_api: FakeTelegram
) -> None:
    (call,) = telegram_api.sent("setWebhook")
    assert call["url"] == "https://troly06.example.vn/telegram"
    assert call["secret_token"] == WEBHOOK_SECRET
    assert telegram_api.sent("getUpdates") == []


async def test_update_with_the_right_secret_is_answered(post, telegram_api: FakeTelegram) -> None:
    status = await post(update(telegram_api, "/help"),
                        {HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"})
    assert status == 200
    (reply,) = await telegram_api.wait_messages(CITIZEN, 1)
    assert "/menu" in reply["text"]


async def test_wrong_or_missing_secret_is_rejected(post, telegram_api: FakeTelegram) -> None:
    body = update(telegram_api, "/help")
    assert await post(body, {HEADER: "wrong"}) == 403
    assert await post(body, {}) == 401
    assert telegram_api.sent("sendMessage") == []


async def test_malformed_body_is_acknowledged_logged_and_skipped(
    post, telegram_api: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    assert await post(b"{not json", {HEADER: WEBHOOK_SECRET}) == 200
    assert await post(b'{"update_id": 7, "message": 5}', {HEADER: WEBHOOK_SECRET}) == 200
    assert caplog.text.count("malformed webhook update skipped") == 2
    assert await post(update(telegram_api, "/menu"), {HEADER: WEBHOOK_SECRET}) == 200
    await telegram_api.wait_messages(CITIZEN, 1)
