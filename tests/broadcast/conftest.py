"""Broadcast fixtures: the engine on a temporary database with Telegram and Zalo Bot
enabled, a conversation that reaches it, and citizens who opted in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.broadcast import Broadcasts
from bot.config import Config
from bot.storage import Storage
from handlers.conversation import Conversation
from handlers.router import Services
from handlers.types import Incoming, Reply
from knowledge.service import KnowledgeService
from tests.channels import FAST_OUTBOX
from tests.fakes.telegram_api import TOKEN, FakeTelegram

ADMIN = "telegram:1"
Say = Callable[..., Awaitable[list[Reply]]]


@pytest.fixture
def config(make_config: Callable[..., Config]) -> Config:
    """Telegram and Zalo Bot configured (never started here), an admin, no reminders."""
    return make_config(telegram__token=TOKEN, zalo_bot__token="zalo-bot-token",
                       admin__users=[ADMIN], scheduler__enabled=False)


@pytest.fixture
def storage(config: Config) -> Storage:
    return Storage.open(config.storage.path)


@pytest.fixture
def broadcasts(storage: Storage, config: Config) -> Broadcasts:
    return Broadcasts(storage, config)


@pytest.fixture
def conversation(
    config: Config, storage: Storage, broadcasts: Broadcasts, shipped_knowledge: KnowledgeService
) -> Conversation:
    return Conversation(Services(shipped_knowledge, config, storage, {"broadcasts": broadcasts}))


@pytest.fixture
def say(conversation: Conversation) -> Say:
    """Send text (or press=payload) as `user` on `channel`; returns the replies."""

    async def send(text: str | None = None, user: str = "1", channel: str = "telegram",
                   press: str | None = None) -> list[Reply]:
        return await conversation.handle(Incoming(channel, user, user, "Dân", text, press))

    return send


def opt_in(storage: Storage, channel: str, *users: str) -> None:
    """Citizens who wrote to the bot and sent /nhanthongbao."""
    for user in users:
        storage.touch_user(channel, user, user)
        storage.set_opted_in(channel, user, True)


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as api:
        yield api


@pytest.fixture
def bot_config(
    make_config: Callable[..., Config], telegram_api: FakeTelegram, bot_settings: dict[str, Any]
) -> Config:
    """The whole bot on the fake Bot API (the `bot` fixture runs it)."""
    return make_config(telegram__token=TOKEN, telegram__base_url=telegram_api.base_url,
                       telegram__poll_timeout=1, scheduler__enabled=False, **FAST_OUTBOX,
                       **bot_settings)
