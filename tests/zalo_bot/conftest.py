"""The whole bot (App) with the Zalo Bot channel against the local fake Zalo Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from foundations.settings import Config
from tests.channels import FAST_OUTBOX
from tests.fakes.zalo_bot_api import TOKEN, FakeZaloBot

WEBHOOK_SECRET = "zalo-s3cret-for-tests"


@pytest.fixture
async def zalo_api() -> AsyncIterator[FakeZaloBot]:
    async with FakeZaloBot() as api:
        yield api


@pytest.fixture
def bot_config(
    make_config: Callable[..., Config], zalo_api: FakeZaloBot, bot_settings: dict[str, Any]
) -> Config:
    """The Zalo Bot channel on the fake API, scheduler off; `bot` runs with it."""
    settings = {
        "zalo_bot__token": TOKEN,
        "zalo_bot__base_url": zalo_api.base_url,
        "zalo_bot__poll_timeout": 1,
        **FAST_OUTBOX,
        "scheduler__enabled": False,
        **bot_settings,
    }
    return make_config(**settings)
