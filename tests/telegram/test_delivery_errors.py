"""Telegram refusing or failing a send: the outbox retries, and nothing is sent twice."""

from __future__ import annotations

from bot.app import App
from tests.fakes.telegram_api import FakeTelegram

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
