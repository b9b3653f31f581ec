"""Citizens' conversations end to end: fake Zalo Bot API ⇄ polling adapter ⇄ conversation ⇄
SQLite, with buttons shown as numbered choices."""

from __future__ import annotations

import logging

import pytest

from bot.app import App
from tests.fakes.zalo_bot_api import FakeZaloBot

CITIZEN = "zl-citizen-1"


async def test_start_shows_a_greeting_and_a_numbered_menu_and_a_typed_number_opens_it(
    bot: App, zalo_api: FakeZaloBot
) -> None:
    zalo_api.send_text(CITIZEN, "/start", name="Lan")
    greeting, menu = await zalo_api.wait_texts(CITIZEN, 2)
    assert "Xin chào Lan!" in greeting
    assert "  2. Đăng nhập, mật khẩu và sự cố VNeID" in menu
    assert menu.rstrip().endswith("để chọn.") and "<b>" not in menu

    zalo_api.send_text(CITIZEN, "2")
    category = (await zalo_api.wait_texts(CITIZEN, 3))[-1]
    assert category.startswith("Đăng nhập, mật khẩu và sự cố VNeID\n")
    user = bot.storage.db["users"].get(("zalo_bot", CITIZEN))
    assert user["chat_id"] == CITIZEN and user["active"] == 1


async def test_a_question_is_answered_with_feedback_choices_and_a_number_records_feedback(
    bot: App, zalo_api: FakeZaloBot
) -> None:
    zalo_api.send_text(CITIZEN, "quen mat khau vneid thi lam sao")
    (answer,) = await zalo_api.wait_texts(CITIZEN, 1)
    question = bot.knowledge.kb.entries["quen-mat-khau"].question
    assert answer.startswith(question)
    assert "  1. 👍 Hữu ích" in answer

    zalo_api.send_text(CITIZEN, "1")
    await zalo_api.wait_texts(CITIZEN, 2)
    (row,) = list(bot.storage.db["feedback"].rows)
    assert (row["channel"], row["entry_id"], row["helpful"]) == ("zalo_bot", "quen-mat-khau", 1)


async def test_the_same_message_delivered_twice_is_answered_once(
    bot: App, zalo_api: FakeZaloBot
) -> None:
    update = zalo_api.update(CITIZEN, "/help", message_id="dup-1")
    zalo_api.push(update)
    zalo_api.push(update)
    zalo_api.send_text(CITIZEN, "/menu")
    texts = await zalo_api.wait_texts(CITIZEN, 2)
    await zalo_api.wait_for(lambda: len(zalo_api.sent("getUpdates")) >= 4)
    assert len(zalo_api.texts(CITIZEN)) == 2
    assert "/menu" in texts[0]


async def test_no_update_answers_are_normal_whether_http_200_or_408(
    bot: App, zalo_api: FakeZaloBot
) -> None:
    await zalo_api.wait_for(lambda: len(zalo_api.sent("getUpdates")) >= 2, timeout=4)
    zalo_api.no_update_status = 408
    await zalo_api.wait_for(lambda: len(zalo_api.sent("getUpdates")) >= 3, timeout=4)
    zalo_api.send_text(CITIZEN, "/help")
    await zalo_api.wait_texts(CITIZEN, 1)


async def test_polling_errors_back_off_and_polling_resumes(
    bot: App, zalo_api: FakeZaloBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    zalo_api.fail("getUpdates", 500, "Internal Server Error", times=3, http_status=500)
    zalo_api.send_text(CITIZEN, "/help")
    await zalo_api.wait_texts(CITIZEN, 1)
    assert caplog.text.count("zalo bot getUpdates failed") >= 3
    assert "zalo-bot-test-token" not in caplog.text


async def test_non_text_and_malformed_updates_are_logged_and_skipped(
    bot: App, zalo_api: FakeZaloBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    zalo_api.push(zalo_api.update(CITIZEN, None, event="message.sticker.received"))
    zalo_api.push({"event_name": "message.text.received", "message": {"text": "thiếu trường"}})
    zalo_api.push("không phải một update")
    zalo_api.send_text(CITIZEN, "/help")
    (reply,) = await zalo_api.wait_texts(CITIZEN, 1)
    assert "/menu" in reply
    assert "not a text message" in caplog.text
    assert caplog.text.count("malformed zalo bot update skipped") == 2


async def test_error_403_is_zalos_internal_server_error_retried_and_the_user_stays_active(
    bot: App, zalo_api: FakeZaloBot
) -> None:
    zalo_api.fail("sendMessage", 403, "Internal server error", times=2)
    zalo_api.send_text(CITIZEN, "/help")
    await zalo_api.wait_for(lambda: len(zalo_api.sent("sendMessage", CITIZEN)) == 3)
    await bot.outbox.join()
    assert bot.storage.db["users"].get(("zalo_bot", CITIZEN))["active"] == 1


async def test_a_server_error_on_send_is_retried(bot: App, zalo_api: FakeZaloBot) -> None:
    zalo_api.fail("sendMessage", 502, "Bad Gateway", times=2, http_status=502)
    zalo_api.send_text(CITIZEN, "/help")
    await zalo_api.wait_for(lambda: len(zalo_api.sent("sendMessage", CITIZEN)) == 3)
    assert zalo_api.texts(CITIZEN)[0] == zalo_api.texts(CITIZEN)[2]
