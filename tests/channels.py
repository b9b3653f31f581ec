"""Helpers the channel specs (tests/telegram, tests/zalo_bot, tests/zalo_oa) share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

import aiohttp

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
