"""Telegram refusing or failing a send: the outbox retries what surely did not land, and
nothing is sent twice."""

from __future__ import annotations

import pytest
from telegram import Bot

from bot.app import App
from bot.channels.telegram.request import AiohttpRequest
from bot.channels.telegram.sender import TelegramSender
from bot.outbox import Refused, TemporaryFailure, Unconfirmed
from foundations.messages import Reply
from tests.fakes.local_server import free_port
from tests.fakes.telegram_api import TOKEN, FakeTelegram

CITIZEN = 801


def delivered(api: FakeTelegram, chat_id: int) -> list[str]:
    """Texts of every sendMessage call to the chat, failed attempts included."""
    return [c.params["text"] for c in api.calls
            if c.method == "sendMessage" and c.params["chat_id"] == chat_id]


async def test_rate_limited_reply_is_sent_after_retry_after(
    bot: App, telegram_api: FakeTelegram
) -> None:
    telegram_api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    telegram_api.send_text(CITIZEN, "/help")
    await telegram_api.wait_messages(CITIZEN, 2, timeout=5)
    first, second = delivered(telegram_api, CITIZEN)
    assert first == second  # the same reply, tried again once


async def test_server_errors_are_retried_with_backoff(
    bot: App, telegram_api: FakeTelegram
) -> None:
    telegram_api.fail("sendMessage", 502, "Bad Gateway", times=2)
    telegram_api.send_text(CITIZEN, "/help")
    await telegram_api.wait_messages(CITIZEN, 3)
    assert len(set(delivered(telegram_api, CITIZEN))) == 1


async def test_a_user_who_blocked_the_bot_is_marked_inactive(
    bot: App, telegram_api: FakeTelegram
) -> None:
    telegram_api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", times=5)
    telegram_api.send_text(CITIZEN, "/help")
    await telegram_api.wait_messages(CITIZEN, 1)
    await bot.outbox.join()
    assert bot.storage.db["users"].get(("telegram", str(CITIZEN)))["active"] == 0
    assert len(delivered(telegram_api, CITIZEN)) == 1  # a block is final: no retries


async def test_a_reply_accepted_with_an_unreadable_answer_is_not_sent_again(
    bot: App, telegram_api: FakeTelegram
) -> None:
    telegram_api.answer_unreadably("sendMessage", {"message_id": 1}, times=20)
    telegram_api.send_text(CITIZEN, "/start")
    await telegram_api.wait_messages(CITIZEN, 2)
    await bot.outbox.join()
    greeting, menu = delivered(telegram_api, CITIZEN)  # once each: the platform has them
    assert greeting.startswith("Xin chào") and "chủ đề" in menu


async def test_only_a_send_that_surely_did_not_leave_is_worth_retrying(
    telegram_api: FakeTelegram,
) -> None:
    async with AiohttpRequest() as request:
        nobody_listens = Bot(TOKEN, base_url=f"http://127.0.0.1:{free_port()}/bot",
                             request=request)
        with pytest.raises(TemporaryFailure):
            await TelegramSender(nobody_listens).send(str(CITIZEN), Reply("Xin chào"))
    telegram_api.delay("sendMessage", 2.0)
    async with AiohttpRequest(read_timeout=0.2) as request:
        impatient = Bot(TOKEN, base_url=telegram_api.base_url, request=request)
        with pytest.raises(Unconfirmed):  # sent, but no answer in time: it may have arrived
            await TelegramSender(impatient).send(str(CITIZEN), Reply("Xin chào"))


async def test_a_token_revoked_while_running_is_a_refusal_not_a_retry(
    telegram_api: FakeTelegram,
) -> None:
    telegram_api.fail("sendMessage", 401, "Unauthorized")
    async with Bot(TOKEN, base_url=telegram_api.base_url, request=AiohttpRequest()) as bot:
        with pytest.raises(Refused):  # final: the reminder engine tells the leaders
            await TelegramSender(bot).send(str(CITIZEN), Reply("Xin chào"))
    assert len(delivered(telegram_api, CITIZEN)) == 1
