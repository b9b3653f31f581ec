"""Helpers the channel specs (tests/telegram, tests/zalo_bot, tests/zalo_oa) share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime

import aiohttp

from bot.app import Component
from bot.outbox import Outbox
from foundations.settings import Config
from handlers.conversation import Conversation
from handlers.router import Services
from handlers.store import Storage
from knowledge.service import KnowledgeService
from scheduler.app import Officials
from tests.fakes.clock import ManualClock
from tests.fakes.local_server import LOOPBACK

# Config overrides for an outbox that never makes a spec wait: no pause between messages to
# one chat, and retries after milliseconds instead of seconds.
FAST_OUTBOX = {"outbox__per_chat_interval": 0, "outbox__backoff_base": 0.01}

PostRaw = Callable[[bytes, Mapping[str, str]], Awaitable[int]]


@asynccontextmanager
async def webhook_poster(port: int, path: str) -> AsyncIterator[PostRaw]:
    """Posts raw bytes with the given headers to the bot's own webhook server, as the
    platform would; each post returns the HTTP status. Raw bytes, so specs can send
    malformed bodies and bodies whose signature no longer matches."""
    url = f"http://{LOOPBACK}:{port}{path}"
    async with aiohttp.ClientSession() as session:

        async def post(body: bytes, headers: Mapping[str, str]) -> int:
            async with session.post(url, data=body, headers=headers) as response:
                return response.status

        yield post


ChannelType = Callable[..., Component]  # (config, conversation, outbox, storage[, clock])


@asynccontextmanager
async def officials_on_channel(
    config: Config,
    knowledge: KnowledgeService,
    channel_type: ChannelType,
    now: datetime,
    channel_on_clock: bool = False,
) -> AsyncIterator[Officials]:
    """One channel wired to the reminder feature as App wires it, but with the engine on a
    manual clock set to `now`, so a spec decides when a reminder is due by calling tick().
    `channel_on_clock`: the channel reads that clock too (Zalo OA's 48 h window)."""
    storage = Storage.open(config.storage.path)
    outbox = Outbox()
    clock = ManualClock(now)
    feature = Officials.from_settings(config.scheduler, storage.db, outbox, clock)
    services = Services(knowledge, config, storage, {"officials": feature})
    on_clock = (clock,) if channel_on_clock else ()
    channel = channel_type(config, Conversation(services), outbox, storage, *on_clock)
    await outbox.start()
    await channel.start()
    yield feature
    await channel.stop()
    await outbox.stop()
