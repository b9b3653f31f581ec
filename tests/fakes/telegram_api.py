"""A local fake of the Telegram Bot API, served over real HTTP with aiohttp.

The real python-telegram-bot client talks to it through `base_url`. It keeps a queue of
updates for getUpdates (long polling with offsets), answers the send methods the bot uses
with realistic results, records every call, and can be told to fail the next calls of a
method with 429 (retry_after), 403 or 5xx exactly as Telegram reports them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Trợ lý 06", "username": "Troly06Bot"}
# Fields PTB JSON-encodes inside its form bodies; everything else stays a string.
JSON_FIELDS = {
    "allowed_updates", "chat_id", "commands", "limit", "link_preview_options", "message_id",
    "offset", "reply_markup", "show_alert", "timeout", "drop_pending_updates",
    "max_connections",
}  # fmt: skip


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None


@dataclass
class FakeTelegram:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    webhook: dict[str, Any] | None = None
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _failures: dict[str, list[Failure | None]] = field(default_factory=dict)
    _update_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1000))
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    port: int = 0

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> str:
        """Serve on a free local port; returns the base_url to give PTB."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.base_url

    async def stop(self) -> None:
        self._new_update.set()  # release long polls
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what users do ---------------------------------------------------------------------

    def user(self, user_id: int, name: str = "An") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name}

    def send_text(self, user_id: int, text: str, name: str = "An") -> dict[str, Any]:
        """Queue a private text message from a user; returns the update."""
        return self.push({"message": self._message(user_id, name, text=text)})

    def text_update(self, user_id: int, text: str, name: str = "An") -> dict[str, Any]:
        """A text update that is not queued, for delivering by webhook."""
        return {"update_id": next(self._update_ids),
                "message": self._message(user_id, name, text=text)}

    def send_contact(self, user_id: int, phone: str, name: str = "An") -> dict[str, Any]:
        contact = {"phone_number": phone, "first_name": name, "user_id": user_id}
        return self.push({"message": self._message(user_id, name, contact=contact)})

    def press(self, user_id: int, data: str, message_id: int = 1,
              name: str = "An") -> dict[str, Any]:
        """Queue a button press on one of the bot's messages."""
        query = {
            "id": f"cq{next(self._message_ids)}",
            "from": self.user(user_id, name),
            "chat_instance": "ci",
            "data": data,
            "message": {"message_id": message_id, "date": int(time.time()),
                        "chat": {"id": user_id, "type": "private"}, "from": BOT_USER,
                        "text": "…"},
        }
        return self.push({"callback_query": query})

    def push(self, body: dict[str, Any]) -> dict[str, Any]:
        """Queue any update body (malformed ones too); the update_id is added."""
        update = {"update_id": next(self._update_ids), **body}
        self._updates.append(update)
        self._new_update.set()
        return update

    def _message(self, user_id: int, name: str, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": name},
            "from": self.user(user_id, name),
            **content,
        }

    # -- errors ----------------------------------------------------------------------------

    def fail(self, method: str, status: int, description: str, retry_after: int | None = None,
             times: int = 1, after: int = 0) -> None:
        """Make `times` calls of `method` fail as Telegram would, after `after` succeed."""
        queue = self._failures.setdefault(method, [])
        queue.extend([None] * after)
        queue.extend(Failure(status, description, retry_after) for _ in range(times))

    # -- what the bot did ------------------------------------------------------------------

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[dict]:
        """Params of the successful-or-not calls of `method`, optionally to one chat."""
        return [c.params for c in self.calls if c.method == method
                and (chat_id is None or c.params.get("chat_id") == chat_id)]

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        """Poll until predicate() is true; fail the test after `timeout` seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("timed out waiting for the bot")
            await asyncio.sleep(0.01)

    async def wait_messages(self, chat_id: int, count: int, timeout: float = 5.0) -> list[dict]:
        """Wait until `count` messages were sent to `chat_id`; returns all sent to it."""
        await self.wait_for(lambda: len(self.sent("sendMessage", chat_id)) >= count, timeout)
        return self.sent("sendMessage", chat_id)

    # -- HTTP ------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append(Call(method, params))
        failures = self._failures.get(method)
        failure = failures.pop(0) if failures else None
        if failure is not None:
            extra = {"retry_after": failure.retry_after} if failure.retry_after else None
            return _error(failure.status, failure.description, extra)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found")
        return await handler(params)

    async def _api_getMe(self, params: dict) -> web.Response:
        return _ok(BOT_USER)

    async def _api_getUpdates(self, params: dict) -> web.Response:
        if self.webhook is not None:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        limit = int(params.get("limit") or 100)
        return _ok(self._updates[:limit])

    async def _api_sendMessage(self, params: dict) -> web.Response:
        return _ok(self._bot_message(params))

    async def _api_editMessageText(self, params: dict) -> web.Response:
        return _ok(self._bot_message(params, message_id=params.get("message_id")))

    async def _api_answerCallbackQuery(self, params: dict) -> web.Response:
        return _ok(True)

    async def _api_sendChatAction(self, params: dict) -> web.Response:
        return _ok(True)

    async def _api_setMyCommands(self, params: dict) -> web.Response:
        return _ok(True)

    async def _api_setWebhook(self, params: dict) -> web.Response:
        self.webhook = params
        return _ok(True)

    async def _api_deleteWebhook(self, params: dict) -> web.Response:
        self.webhook = None
        return _ok(True)

    def _bot_message(self, params: dict, message_id: int | None = None) -> dict[str, Any]:
        return {
            "message_id": message_id or next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": params.get("chat_id"), "type": "private"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        return await request.json()
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        params[key] = json.loads(value) if key in JSON_FIELDS else value
    return params


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, parameters: dict | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
