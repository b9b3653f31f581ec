"""Malformed updates, updates without text, and per-user flood control over Telegram."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.app import App
from tests.fakes.telegram_api import FakeTelegram

CITIZEN = 901


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    return {"flood__max_messages": 3}


async def test_malformed_update_is_logged_and_skipped(
    bot: App, telegram_api: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    bad = telegram_api.push({"message": "not an object"})
    telegram_api.send_text(CITIZEN, "/help")
    (reply,) = await telegram_api.wait_messages(CITIZEN, 1)
    assert "/menu" in reply["text"]
    assert f"malformed update {bad['update_id']} skipped" in caplog.text
    assert "not an object" not in caplog.text  # content of updates never reaches the log


async def test_updates_without_anything_to_answer_are_skipped(
    bot: App, telegram_api: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    sticker = telegram_api.push({"message": {
        "message_id": 5, "date": 0, "chat": {"id": CITIZEN, "type": "private"},
        "from": telegram_api.user(CITIZEN), "sticker_set_name": "x"}})
    no_chat = telegram_api.push({"edited_channel_post": {"message_id": 6, "date": 0}})
    telegram_api.send_text(CITIZEN, "/menu")
    await telegram_api.wait_messages(CITIZEN, 1)
    for update in (sticker, no_chat):
        assert f"update {update['update_id']} skipped" in caplog.text


async def test_flooding_user_gets_one_notice_then_silence(
    bot: App, telegram_api: FakeTelegram
) -> None:
    for _ in range(6):
        telegram_api.send_text(CITIZEN, "/help")
    telegram_api.send_text(CITIZEN + 1, "/help")
    await telegram_api.wait_messages(CITIZEN + 1, 1)
    await telegram_api.wait_messages(CITIZEN, 4)
    await bot.outbox.join()
    texts = [m["text"] for m in telegram_api.sent("sendMessage", CITIZEN)]
    assert len(texts) == 4
    assert "hơi nhanh" in texts[3]
