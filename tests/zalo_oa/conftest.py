"""The Zalo OA channel against the local fake OA and OAuth servers, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from bot.app import App
from bot.config import Config
from knowledge.service import KnowledgeService
from tests.fakes.zalo_oa_api import (
    APP_ID,
    APP_SECRET,
    FIRST_ACCESS,
    FIRST_REFRESH,
    SECRET_KEY,
    FakeZaloOA,
)
from tests.zalo_bot.conftest import free_port

Post = Callable[..., Awaitable[int]]


@pytest.fixture
async def zalo_oa() -> AsyncIterator[FakeZaloOA]:
    fake = FakeZaloOA()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def oa_settings(zalo_oa: FakeZaloOA) -> dict[str, Any]:
    """The zalo_oa section pointing at the fakes (as `section__key` overrides)."""
    return {
        "zalo_oa__app_id": APP_ID,
        "zalo_oa__secret_key": SECRET_KEY,
        "zalo_oa__app_secret": APP_SECRET,
        "zalo_oa__access_token": FIRST_ACCESS,
        "zalo_oa__refresh_token": FIRST_REFRESH,
        "zalo_oa__base_url": zalo_oa.base_url,
        "zalo_oa__oauth_url": zalo_oa.oauth_url,
        "zalo_oa__webhook_port": free_port(),
        "outbox__per_chat_interval": 0,
        "outbox__backoff_base": 0.01,
        "scheduler__enabled": False,
    }


@pytest.fixture
def oa_config(make_config: Callable[..., Config], oa_settings: dict[str, Any]) -> Config:
    return make_config(**oa_settings)


@pytest.fixture
async def bot(oa_config: Config, shipped_knowledge: KnowledgeService) -> AsyncIterator[App]:
    app = App(oa_config, shipped_knowledge)
    await app.start()
    yield app
    await app.stop()


@pytest.fixture
async def post(bot: App, oa_settings: dict[str, Any]) -> AsyncIterator[Post]:
    """POST raw bytes to the OA webhook with an optional signature; returns the status."""
    url = f"http://127.0.0.1:{oa_settings['zalo_oa__webhook_port']}/zalo-oa"
    async with aiohttp.ClientSession() as session:

        async def send(raw: bytes, mac: str | None = None) -> int:
            headers = {"Content-Type": "application/json"}
            if mac is not None:
                headers["X-ZEvent-Signature"] = mac
            async with session.post(url, data=raw, headers=headers) as response:
                return response.status

        yield send
