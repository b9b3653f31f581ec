"""The Telegram transport on aiohttp (bot/channels/telegram/request.py), with the real PTB Bot
against the fake Bot API: it must mean exactly what PTB's default transport (httpx) means,
so everything above it (the outbox's retry rules) stays true."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from telegram import Bot
from telegram.error import TelegramError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest

from bot.channels.telegram.request import REQUEST_NOT_SENT, AiohttpRequest
from tests.fakes.local_server import free_port
from tests.fakes.telegram_api import TOKEN, FakeTelegram

CHAT = 42
FAILURES = [  # (HTTP status, description, retry_after) as Telegram answers them
    (400, "Bad Request: chat not found", None),
    (401, "Unauthorized", None),
    (403, "Forbidden: bot was blocked by the user", None),
    (404, "Not Found", None),
    (409, "Conflict: terminated by other getUpdates request", None),
    (429, "Too Many Requests: retry after 3", 3),
    (500, "Internal Server Error", None),
    (502, "Bad Gateway", None),
]


@pytest.fixture
async def bot_on(telegram_api: FakeTelegram) -> AsyncIterator[Callable[[BaseRequest], Bot]]:
    """Bots on the fake Bot API with a given transport, shut down after the test."""
    requests: list[BaseRequest] = []

    def make(request: BaseRequest, base_url: str = telegram_api.base_url) -> Bot:
        requests.append(request)
        return Bot(TOKEN, base_url=base_url, request=request)

    yield make
    for request in requests:
        await request.shutdown()


async def raised(bot: Bot) -> TelegramError:
    with pytest.raises(TelegramError) as caught:
        await bot.send_message(CHAT, "Xin chào")
    return caught.value


@pytest.mark.parametrize(("status", "description", "retry_after"), FAILURES)
async def test_an_error_answer_raises_what_ptbs_default_transport_raises(
    telegram_api: FakeTelegram, bot_on: Callable[[BaseRequest], Bot],
    status: int, description: str, retry_after: int | None,
) -> None:
    telegram_api.fail("sendMessage", status, description, retry_after=retry_after, times=2)
    ours = await raised(bot_on(AiohttpRequest()))
    ptbs = await raised(bot_on(HTTPXRequest()))
    assert (type(ours), str(ours)) == (type(ptbs), str(ptbs))


async def test_a_successful_call_sends_the_fields_ptb_sends(
    telegram_api: FakeTelegram, bot_on: Callable[[BaseRequest], Bot]
) -> None:
    for request in (AiohttpRequest(), HTTPXRequest()):
        message = await bot_on(request).send_message(CHAT, "Xin chào <b>bạn</b>",
                                                     parse_mode="HTML")
        assert message.text == "Xin chào <b>bạn</b>" and message.chat.id == CHAT
    ours, ptbs = telegram_api.sent("sendMessage")
    assert ours == ptbs


async def test_no_answer_in_time_is_a_timeout_that_may_have_been_sent(
    telegram_api: FakeTelegram, bot_on: Callable[[BaseRequest], Bot]
) -> None:
    telegram_api.delay("sendMessage", 2.0)
    error = await raised(bot_on(AiohttpRequest(read_timeout=0.2)))
    assert isinstance(error, TimedOut)
    assert not isinstance(error.__cause__, REQUEST_NOT_SENT)  # it reached the server


async def test_no_free_connection_in_time_is_a_timeout_that_surely_was_not_sent(
    telegram_api: FakeTelegram, bot_on: Callable[[BaseRequest], Bot]
) -> None:
    # budgets far above a loaded machine's connect time, far below the held answer's delay
    bot = bot_on(AiohttpRequest(connection_pool_size=1, pool_timeout=0.5, connect_timeout=0.5))
    telegram_api.delay("sendMessage", 3.0)
    holding = bot.send_message(CHAT, "giữ kết nối")
    waiting = bot.send_message(CHAT, "chờ kết nối")
    results = await asyncio.gather(holding, waiting, return_exceptions=True)
    assert isinstance(results[1], TimedOut) and isinstance(results[1].__cause__,
                                                           REQUEST_NOT_SENT)
    assert [p["text"] for p in telegram_api.sent("sendMessage")] == ["giữ kết nối"]


async def test_nobody_listening_is_a_network_error_that_surely_was_not_sent(
    bot_on: Callable[..., Bot],
) -> None:
    bot = bot_on(AiohttpRequest(), base_url=f"http://127.0.0.1:{free_port()}/bot")
    error = await raised(bot)
    assert not isinstance(error, TimedOut)
    assert isinstance(error.__cause__, REQUEST_NOT_SENT)


async def test_calls_reuse_one_connection_and_get_updates_shares_the_pool(
    telegram_api: FakeTelegram,
) -> None:
    request = AiohttpRequest()
    polling = AiohttpRequest(shares=request)
    bot = Bot(TOKEN, base_url=telegram_api.base_url, request=request,
              get_updates_request=polling)
    async with bot:
        for n in range(10):
            await bot.send_message(CHAT, f"tin {n}")
            await bot.get_updates(timeout=0)
    assert len({call.client_port for call in telegram_api.calls}) == 1


async def test_the_shared_session_closes_when_both_users_shut_down(
    telegram_api: FakeTelegram,
) -> None:
    request = AiohttpRequest()
    polling = AiohttpRequest(shares=request)
    await request.initialize()
    await polling.initialize()
    await request.initialize()  # PTB initializes again after a failed start
    await Bot(TOKEN, base_url=telegram_api.base_url, request=request).get_me()
    await request.shutdown()
    await Bot(TOKEN, base_url=telegram_api.base_url, request=polling).get_me()
    first, second = telegram_api.calls
    assert first.client_port == second.client_port  # still open for the other user
    await polling.shutdown()
    with pytest.raises(RuntimeError, match="not initialized"):
        await polling.do_request(f"{telegram_api.base_url}{TOKEN}/getMe", "POST")
