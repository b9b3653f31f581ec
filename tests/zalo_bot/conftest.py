"""The whole bot (App) with the Zalo Bot channel against the local fake Zalo Bot API."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.app import App
from bot.config import Config
from knowledge.service import KnowledgeService
from tests.fakes.zalo_bot_api import TOKEN, FakeZaloBot

WEBHOOK_SECRET = "zalo-s3cret-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def zalo_api() -> AsyncIterator[FakeZaloBot]:
    api = FakeZaloBot()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    """Config overrides for the bot under test; specs override this fixture to change them."""
    return {}


@pytest.fixture
def zalo_config(
    make_config: Callable[..., Config], zalo_api: FakeZaloBot, bot_settings: dict[str, Any]
) -> Config:
    settings = {
        "zalo_bot__token": TOKEN,
        "zalo_bot__base_url": zalo_api.base_url,
        "zalo_bot__poll_timeout": 1,
        "outbox__per_chat_interval": 0,
        "outbox__backoff_base": 0.01,
        "scheduler__enabled": False,
        **bot_settings,
    }
    return make_config(**settings)


@pytest.fixture
async def bot(zalo_config: Config, shipped_knowledge: KnowledgeService) -> AsyncIterator[App]:
    """The running bot, stopped after the test."""
    app = App(zalo_config, shipped_knowledge)
    await app.start()
    yield app
    await app.stop()
