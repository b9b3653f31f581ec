""""typing…" (sendChatAction) only when a citizen would notice the wait for an answer."""

from __future__ import annotations

from bot.app import App
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram.conftest import SLOW_COMMAND

CITIZEN = 601


def calls_to(api: FakeTelegram, chat_id: int) -> list[str]:
    return [call.method for call in api.calls if call.params.get("chat_id") == chat_id]


async def test_a_quick_answer_comes_without_typing(
    bot: App, telegram_api: FakeTelegram
) -> None:
    telegram_api.send_text(CITIZEN, "Quên mật khẩu VNeID thì làm sao?")
    await telegram_api.wait_messages(CITIZEN, 1)
    await bot.outbox.join()
    assert calls_to(telegram_api, CITIZEN) == ["sendMessage"]


async def test_a_slow_answer_shows_typing_before_it(
    slow_bot: None, telegram_api: FakeTelegram
) -> None:
    telegram_api.send_text(CITIZEN, f"/{SLOW_COMMAND}")
    (answer,) = await telegram_api.wait_messages(CITIZEN, 1, timeout=10)
    assert answer["text"] == "Xong rồi."
    assert calls_to(telegram_api, CITIZEN) == ["sendChatAction", "sendMessage"]
    assert telegram_api.sent("sendChatAction", CITIZEN)[0]["action"] == "typing"
