"""The whole bot (App) against the local fake Bot API, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.app import App
from bot.config import Config
from knowledge.service import KnowledgeService
from tests.fakes.telegram_api import TOKEN, FakeTelegram

WEBHOOK_SECRET = "s3cret-Token_for-tests"


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegram]:
    api = FakeTelegram()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    """Config overrides for the bot under test; specs override this fixture to change them."""
    return {}


@pytest.fixture
def telegram_config(
    make_config: Callable[..., Config], telegram_api: FakeTelegram, bot_settings: dict[str, Any]
) -> Config:
    settings = {
        "telegram__token": TOKEN,
        "telegram__base_url": telegram_api.base_url,
        "telegram__per_chat_interval": 0,
        "telegram__poll_timeout": 1,
        **bot_settings,
    }
    return make_config(**settings)


@pytest.fixture
def knowledge(shipped_knowledge: KnowledgeService) -> KnowledgeService:
    """The knowledge the bot serves; specs with their own FAQ entries override this."""
    return shipped_knowledge


@pytest.fixture
async def bot(telegram_config: Config, knowledge: KnowledgeService) -> AsyncIterator[App]:
    """The running bot, stopped after the test."""
    app = App(telegram_config, knowledge)
    await app.start()
    yield app
    await app.stop()


def keyboard(message: dict[str, Any]) -> list[str]:
    """callback_data of a sent message's inline keyboard, in reading order."""
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]
