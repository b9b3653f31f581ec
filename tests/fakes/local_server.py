"""What every fake platform server shares: real HTTP on a loopback port the OS picks.

The bot's real HTTP clients talk to the fakes over sockets, so the specs exercise the same
request encoding, status handling and timeouts as production. A port chosen by the OS (not
a fixed one) lets tests run in parallel and never collide with a lingering server.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from aiohttp import web

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A loopback port nothing listens on now, for a server the bot itself starts (webhooks).

    The fakes do not need it: they bind port 0 and read back what the OS gave them.
    """
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


@dataclass
class LocalServer:
    """An aiohttp app served on a free loopback port (or `port`, for a spec that starts the
    bot before its server); subclasses add their routes.

    Use `async with Fake() as fake:` (or start()/stop()) so the port is always released.
    """

    port: int = 0
    _runner: web.AppRunner | None = None

    def add_routes(self, app: web.Application) -> None:
        """Register the platform's endpoints on `app`."""
        raise NotImplementedError

    def release_waiters(self) -> None:
        """Let requests the fake is holding open (long polls, held answers) finish, so
        stopping never waits for their timeouts."""

    async def start(self) -> str:
        """Serve on a free loopback port; returns `base_url` for the bot's configuration."""
        app = web.Application()
        self.add_routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, LOOPBACK, self.port)  # 0: the OS picks
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.base_url

    async def stop(self) -> None:
        self.release_waiters()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """Where the bot's client should send requests."""
        return f"http://{LOOPBACK}:{self.port}"

    async def wait_for(self, predicate: Callable[[], object], timeout: float = 5.0) -> None:
        """Poll until predicate() is true; fail the test after `timeout` seconds.

        The bot answers from its own tasks, so specs wait for an effect instead of sleeping.
        """
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("timed out waiting for the bot")
            await asyncio.sleep(0.01)
