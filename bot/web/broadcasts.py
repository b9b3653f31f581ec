"""Thông báo: broadcasts from the browser, a thin page over the broadcast store.

Draft, preview (recipients per channel and the text each channel shows), confirm or
cancel; the engine sends through the outbox and the page shows its progress, refreshing
itself while sending. Admins only for every change, and every change is audited.
"""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.web.context import client_address, console_of, forbidden, session_of
from handlers.audit import FAILED, OK, REFUSED
from handlers.broadcast_model import CHANNEL_NAMES, Audience, BroadcastError
from handlers.broadcast_store import Broadcasts

ROUTES = web.RouteTableDef()
PATH = "/thong-bao"
VIEWERS_READ_ONLY = "Tài khoản chỉ xem (viewer) không được gửi thông báo."


def _broadcasts(request: web.Request) -> Broadcasts:
    return console_of(request).services.extras["broadcasts"]


@ROUTES.get(PATH)
@aiohttp_jinja2.template("broadcasts.html")
async def broadcasts(request: web.Request) -> dict[str, object]:
    return {"recent": _broadcasts(request).recent(), "channels": CHANNEL_NAMES, "error": ""}


@ROUTES.get(PATH + "/{number:\\d+}")
@aiohttp_jinja2.template("broadcast.html")
async def broadcast(request: web.Request) -> dict[str, object]:
    return _one(request, int(request.match_info["number"]))


def _one(request: web.Request, number: int, error: str = "") -> dict[str, object]:
    engine = _broadcasts(request)
    try:
        progress = engine.progress(number)
    except BroadcastError as exc:
        raise web.HTTPNotFound(text=str(exc)) from None
    return {"progress": progress, "preview": engine.preview(number), "error": error}


@ROUTES.post(PATH)
async def create(request: web.Request) -> web.StreamResponse:
    """A draft to citizens (all channels or one) or to working groups; then its preview."""
    form = await request.post()
    refused = _refused(request, "broadcast-draft")
    if refused is not None:
        return refused
    engine = _broadcasts(request)
    try:
        if form.get("audience") == "groups":
            targets = str(form.get("groups", "")).replace(";", ",").split(",")
            audience = Audience.of_groups(engine.resolve_groups(targets))
        else:
            audience = Audience.citizens(str(form.get("channel") or "") or None)
        draft = engine.create(str(form.get("text", "")), audience, session_of(request).name)
    except BroadcastError as exc:
        return aiohttp_jinja2.render_template("broadcasts.html", request, {
            "recent": engine.recent(), "channels": CHANNEL_NAMES, "error": str(exc),
        }, status=400)  # fmt: skip
    _audit(request, f"broadcast-draft #{draft.id}", OK)
    raise web.HTTPSeeOther(f"{PATH}/{draft.id}")


@ROUTES.post(PATH + "/{number:\\d+}/{action:gui|huy}")
async def decide(request: web.Request) -> web.StreamResponse:
    """Gửi (confirm) or Hủy (cancel) one broadcast."""
    number, action = int(request.match_info["number"]), request.match_info["action"]
    what = f"broadcast-{'send' if action == 'gui' else 'cancel'} #{number}"
    refused = _refused(request, what)
    if refused is not None:
        return refused
    engine, by = _broadcasts(request), session_of(request).name
    try:
        engine.confirm(number, by) if action == "gui" else engine.cancel(number, by)
    except BroadcastError as exc:
        _audit(request, what, FAILED, str(exc))
        return aiohttp_jinja2.render_template(
            "broadcast.html", request, _one(request, number, str(exc)), status=400)
    _audit(request, what, OK)
    raise web.HTTPSeeOther(f"{PATH}/{number}")


def _refused(request: web.Request, what: str) -> web.Response | None:
    if session_of(request).may_change:
        return None
    _audit(request, what, REFUSED)
    return forbidden(request, VIEWERS_READ_ONLY)


def _audit(request: web.Request, what: str, result: str, detail: str = "") -> None:
    console_of(request).audit.record(session_of(request).name, what, client_address(request),
                                     result, detail)  # fmt: skip
