"""The console's aiohttp application and its lifecycle as a component of `troly06 run`.

Every request passes one middleware that decides who may see it: the login page and the
static files are open; anything else needs a live session, and any form post needs that
session's CSRF token (403 otherwise, audited). Pages themselves only read and render.
"""

from __future__ import annotations

import logging

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.web import broadcasts, entries, pages, review, task_form
from bot.web.auth import Sessions
from bot.web.context import (
    CONSOLE,
    HERE,
    LOGIN_PATH,
    OPEN_PATHS,
    SESSION,
    SESSION_COOKIE,
    Console,
    client_address,
    console_of,
    forbidden,
)
from foundations.settings import Config
from handlers.audit import REFUSED, AuditLog
from handlers.router import Services

log = logging.getLogger(__name__)

@web.middleware
async def require_session(request: web.Request, handler):  # type: ignore[no-untyped-def]
    """No session: to the login page. A post without the session's CSRF token: 403."""
    if request.path.startswith(OPEN_PATHS):
        return await handler(request)
    console = console_of(request)
    session = console.sessions.get(request.cookies.get(SESSION_COOKIE))
    account = console.accounts.get(session.name) if session is not None else None
    if session is None or account is None or account.role != session.role:
        raise web.HTTPSeeOther(LOGIN_PATH)  # also an admin removed or demoted meanwhile
    request[SESSION] = session
    if request.method == "POST":
        form = await request.post()
        if form.get("csrf") != session.csrf:
            console.audit.record(session.name, "csrf", client_address(request), REFUSED,
                                 f"{request.method} {request.path}")  # fmt: skip
            return forbidden(request, "Biểu mẫu đã hết hạn hoặc không hợp lệ. Tải lại trang "
                                      "rồi thử lại.")  # fmt: skip
    return await handler(request)


def build_application(console: Console) -> web.Application:
    """The aiohttp application: templates with autoescape, local static files, routes."""
    application = web.Application(middlewares=[require_session])
    application[CONSOLE] = console
    env = aiohttp_jinja2.setup(
        application,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        context_processors=[_page_context],
    )
    env.filters["percent"] = lambda share: f"{share:.0%}"
    application.add_routes(pages.ROUTES)
    application.add_routes(review.ROUTES)
    application.add_routes(entries.ROUTES)
    application.add_routes(task_form.ROUTES)
    application.add_routes(broadcasts.ROUTES)
    application.router.add_static("/static/", HERE / "static")
    return application


async def _page_context(request: web.Request) -> dict[str, object]:
    """Who is logged in and their CSRF token, for the menu and every form."""
    session = request.get(SESSION)
    return {"session": session, "csrf": session.csrf if session else "", "path": request.path}


class WebConsole:
    """The console server as one more component of the running bot."""

    def __init__(self, config: Config, services: Services) -> None:
        self.config = config
        db = services.storage.db if services.storage is not None else None
        if db is None:
            raise ValueError("the web console needs the bot's storage")
        self.console = Console(
            config, services, AuditLog(db), Sessions(db, config.web.session_minutes * 60)
        )
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._runner = web.AppRunner(build_application(self.console), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.web.listen, self.config.web.port)
        await site.start()
        log.info("web console on http://%s:%d", self.config.web.listen, self.config.web.port)
        if not self.config.web.admins:
            log.warning("web.admins trống: chưa ai đăng nhập được trang quản trị; tạo tài khoản "
                        "bằng: troly06 web passwd TÊN")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
