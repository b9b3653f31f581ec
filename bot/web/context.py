"""What every console page works with: the console's state, the request's session and the
helpers that read them. Its own module so the pages and the application that routes to them
both import it, and neither imports the other's module (no cycle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

from bot.web.auth import Account, LoginThrottle, Session, Sessions, accounts
from foundations.settings import Config
from handlers.audit import AuditLog
from handlers.router import Services

HERE = Path(__file__).parent
SESSION_COOKIE = "troly06_phien"
LOGIN_PATH = "/dang-nhap"
OPEN_PATHS = (LOGIN_PATH, "/static/")


@dataclass
class Console:
    """What the pages work with: the bot's own services, plus the console's state."""

    config: Config
    services: Services
    audit: AuditLog
    sessions: Sessions
    throttle: LoginThrottle = field(default_factory=LoginThrottle)

    @property
    def accounts(self) -> dict[str, Account]:
        return accounts(self.config.web.admins)


CONSOLE = web.AppKey("console", Console)
SESSION = web.RequestKey("session", Session)


def client_address(request: web.Request) -> str:
    """The address a request came from, for the audit log and login throttling: behind a
    trusted reverse proxy, the address that proxy saw (the last X-Forwarded-For hop), or
    every admin would share the proxy's address and its login throttle."""
    if _via_trusted_proxy(request):
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.remote or "?"


def served_over_https(request: web.Request) -> bool:
    """Whether cookies must be Secure: TLS here, `web.secure_cookie`, or a trusted proxy
    saying it received the request over HTTPS."""
    if request.secure or console_of(request).config.web.secure_cookie:
        return True
    return _via_trusted_proxy(request) and request.headers.get("X-Forwarded-Proto") == "https"


def _via_trusted_proxy(request: web.Request) -> bool:
    """Only a proxy listed in `web.trusted_proxies` may speak for the client: anyone else
    could write these headers themselves."""
    return request.remote in console_of(request).config.web.trusted_proxies


def console_of(request: web.Request) -> Console:
    return request.app[CONSOLE]


def session_of(request: web.Request) -> Session:
    """The session the middleware found (every page but login has one)."""
    return request[SESSION]


def forbidden(request: web.Request, message: str) -> web.Response:
    """A 403 page saying why, in Vietnamese."""
    return aiohttp_jinja2.render_template(
        "error.html", request, {"message": message}, status=403
    )
