"""The Zalo OA channel against the local fake OA and OAuth servers, over real HTTP: the whole
bot, or only its sender on a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import App
from bot.channels.zalo_oa.sender import ZaloOAApi, ZaloOASender
from bot.channels.zalo_oa.store import OAStore
from bot.channels.zalo_oa.tokens import OAuthTokens, TokenStore
from foundations.database import open_database
from foundations.settings import Config
from tests.channels import FAST_OUTBOX, webhook_poster
from tests.fakes.clock import ManualClock
from tests.fakes.local_server import free_port
from tests.fakes.zalo_oa_api import (
    APP_ID,
    APP_SECRET,
    FIRST_ACCESS,
    FIRST_REFRESH,
    SECRET_KEY,
    FakeZaloOA,
)

Post = Callable[..., Awaitable[int]]
MARGIN = 600  # seconds before a known expiry that the access token is refreshed


@pytest.fixture
async def zalo_oa() -> AsyncIterator[FakeZaloOA]:
    async with FakeZaloOA() as fake:
        yield fake


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
        **FAST_OUTBOX,
        "scheduler__enabled": False,
    }


@pytest.fixture
def bot_config(make_config: Callable[..., Config], oa_settings: dict[str, Any]) -> Config:
    """The OA channel as `oa_settings` describe it; `bot` runs with it."""
    return make_config(**oa_settings)


@pytest.fixture
async def post(bot: App, oa_settings: dict[str, Any]) -> AsyncIterator[Post]:
    """POST raw bytes to the OA webhook with an optional signature; returns the status."""
    async with webhook_poster(oa_settings["zalo_oa__webhook_port"], "/zalo-oa") as post_raw:

        async def send(raw: bytes, mac: str | None = None) -> int:
            headers = {"Content-Type": "application/json"}
            if mac is not None:
                headers["X-ZEvent-Signature"] = mac
            return await post_raw(raw, headers)

        yield send


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def make_sender(
    tmp_path: Path, zalo_oa: FakeZaloOA, clock: ManualClock
) -> AsyncIterator[Callable[..., ZaloOASender]]:
    """A sender as the channel builds it, on the database file under `tmp_path`; calling it
    again is a restart of the bot (new process state, same database). Billed messages are
    allowed unless `send_billed=False`: most specs here are not about the 48 h window."""
    async with aiohttp.ClientSession() as session:

        def make(refresh_token: str = FIRST_REFRESH, send_billed: bool = True,
                 timeout: float = 30.0) -> ZaloOASender:
            db = open_database(tmp_path / "t.db")
            tokens = OAuthTokens(session, TokenStore(db, APP_ID), zalo_oa.oauth_url,
                                 APP_SECRET, clock, MARGIN)
            tokens.seed(FIRST_ACCESS, refresh_token)
            api = ZaloOAApi(session, zalo_oa.base_url, tokens, timeout)
            return ZaloOASender(api, clock, OAStore(db, 7200), send_billed)

        yield make
