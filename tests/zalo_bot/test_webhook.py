"""Webhook mode: Zalo POSTs updates with our secret (wrapped or top-level); anything else
is turned away before it reaches the conversation."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import App
from tests.channels import PostRaw, webhook_poster
from tests.fakes.local_server import free_port
from tests.fakes.zalo_bot_api import FakeZaloBot
from tests.zalo_bot.conftest import WEBHOOK_SECRET

CITIZEN = "zl-web-1"
HEADER = "X-Bot-Api-Secret-Token"


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    return {
        "zalo_bot__mode": "webhook",
        "zalo_bot__webhook_url": "https://troly06.example.vn/zalo-bot",
        "zalo_bot__webhook_port": free_port(),
        "zalo_bot__secret_token": WEBHOOK_SECRET,
    }


@pytest.fixture
async def post(bot: App, bot_settings: dict[str, Any]) -> AsyncIterator[PostRaw]:
    """POST a body to the bot's webhook with the given headers; returns the status."""
    async with webhook_poster(bot_settings["zalo_bot__webhook_port"], "/zalo-bot") as send:
        yield send


def body(update: dict[str, Any], wrapped: bool = False) -> bytes:
    return json.dumps({"ok": True, "result": update} if wrapped else update).encode()


async def test_webhook_is_registered_with_the_secret_and_polling_is_off(
    bot: App, zalo_api: FakeZaloBot
) -> None:
    (call,) = zalo_api.sent("setWebhook")
    assert call == {"url": "https://troly06.example.vn/zalo-bot", "secret_token": WEBHOOK_SECRET}
    assert zalo_api.sent("getUpdates") == []


@pytest.mark.parametrize("wrapped", [False, True], ids=["top-level", "ok-result"])
async def test_both_body_shapes_with_the_right_secret_are_answered(
    post, zalo_api: FakeZaloBot, wrapped: bool
) -> None:
    status = await post(body(zalo_api.update(CITIZEN, "/help"), wrapped), {HEADER: WEBHOOK_SECRET})
    assert status == 200
    (reply,) = await zalo_api.wait_texts(CITIZEN, 1)
    assert "/menu" in reply


async def test_wrong_or_missing_secret_is_rejected_and_nothing_is_answered(
    post, zalo_api: FakeZaloBot
) -> None:
    update = body(zalo_api.update(CITIZEN, "/help"))
    assert await post(update, {HEADER: "wrong-secret-value"}) == 403
    assert await post(update, {}) == 401
    assert await post(body(zalo_api.update(CITIZEN, "/menu")), {HEADER: WEBHOOK_SECRET}) == 200
    (reply,) = await zalo_api.wait_texts(CITIZEN, 1)
    assert "Bạn cần hỗ trợ về chủ đề nào?" in reply


async def test_a_redelivered_message_is_answered_once(post, zalo_api: FakeZaloBot) -> None:
    update = body(zalo_api.update(CITIZEN, "/help", message_id="same"))
    assert await post(update, {HEADER: WEBHOOK_SECRET}) == 200
    assert await post(update, {HEADER: WEBHOOK_SECRET}) == 200
    assert await post(body(zalo_api.update(CITIZEN, "/menu")), {HEADER: WEBHOOK_SECRET}) == 200
    await zalo_api.wait_texts(CITIZEN, 2)
    assert len(zalo_api.texts(CITIZEN)) == 2


async def test_malformed_body_is_acknowledged_logged_and_skipped(
    post, zalo_api: FakeZaloBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    assert await post(b"{not json", {HEADER: WEBHOOK_SECRET}) == 200
    assert await post(b'{"event_name": "message.text.received"}', {HEADER: WEBHOOK_SECRET}) == 200
    assert "malformed zalo bot webhook body skipped" in caplog.text
    assert "malformed zalo bot update skipped" in caplog.text
    assert zalo_api.sent("sendMessage") == []
