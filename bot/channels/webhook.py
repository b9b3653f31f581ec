"""The small aiohttp server a webhook-mode channel listens on, and the webhook of the
platforms that send our secret in a header (Telegram, Zalo Bot): checked in constant time
before the body is read."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web

from foundations.settings import Config, ConfigError

Route = Callable[[web.Request], Awaitable[web.Response]]
Receive = Callable[[bytes], Awaitable[None]]


class WebhookServer:
    """One POST route on its own address and port (put a TLS reverse proxy in front)."""

    def __init__(self, listen: str, port: int, path: str, route: Route) -> None:
        self.listen, self.port, self.path, self.route = listen, port, path, route
        self._runner: web.AppRunner | None = None

    @classmethod
    def from_config(cls, config: Config, section: str, route: Route) -> WebhookServer:
        """The server `<section>.webhook_listen`, `_port` and `_path` describe."""
        settings = getattr(config, section)
        return cls(settings.webhook_listen, settings.webhook_port, settings.webhook_path, route)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(self.path, self.route)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def serve_secret_webhook(
    config: Config, section: str, header: str, secret: str, receive: Receive
) -> tuple[WebhookServer, str]:
    """Start the `<section>` webhook server; return it and `<section>.webhook_url`, the URL
    to give the platform with `secret`.

    A request without `secret` in `header` is refused (401 missing, 403 wrong); with it,
    `receive` gets the raw body and the answer is 200 whatever it makes of the body: the
    platform would resend a body we cannot use forever.
    """
    url = getattr(config, section).webhook_url
    if not url:
        raise ConfigError(f"{section}.mode là webhook nhưng chưa đặt {section}.webhook_url")

    async def route(request: web.Request) -> web.Response:
        refusal = secret_refusal(request, header, secret)
        if refusal is not None:
            return refusal
        await receive(await request.read())
        return web.Response()

    server = WebhookServer.from_config(config, section, route)
    await server.start()
    return server, str(url)


def secret_refusal(request: web.Request, header: str, secret: str) -> web.Response | None:
    """401 without the secret header, 403 with a wrong one, None when it matches.

    Compared in constant time so the secret cannot be guessed from response timings.
    """
    given = request.headers.get(header)
    if given is None:
        return web.Response(status=401)
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return web.Response(status=403)
    return None
