"""A local fake of the Zalo Bot Platform API, served over real HTTP with aiohttp.

The real adapter talks to it through `zalo_bot.base_url`. Like the documented platform:
POST `/bot<TOKEN>/<method>` with JSON, answers `{ok, result}` or `{ok: false, error_code,
description}`; getUpdates long-polls and returns ONE update, "no update" is error 408
(under HTTP 200 by default, or HTTP 408 with `no_update_status`), and fails while a
webhook is set; sendMessage refuses text over 2,000 characters.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "zalo-bot-test-token"
MAX_TEXT = 2000


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeZaloBot:
    token: str = TOKEN
    no_update_status: int = 200
    calls: list[Call] = field(default_factory=list)
    webhook: dict[str, Any] | None = None
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _failures: dict[str, list[tuple[int, int, str] | None]] = field(default_factory=dict)
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    port: int = 0

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.base_url

    async def stop(self) -> None:
        self._new_update.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what users do ---------------------------------------------------------------------

    def update(self, user_id: str, text: str | None, name: str = "Lan",
               event: str = "message.text.received", message_id: str | None = None) -> dict:
        """An update as the platform sends it (not queued)."""
        message: dict[str, Any] = {
            "message_id": message_id or f"m{next(self._message_ids)}",
            "date": int(time.time() * 1000),
            "from": {"id": user_id, "display_name": name, "is_bot": False},
            "chat": {"id": user_id, "chat_type": "PRIVATE"},
        }
        if text is not None:
            message["text"] = text
        return {"event_name": event, "message": message}

    def send_text(self, user_id: str, text: str, name: str = "Lan") -> dict:
        """Queue a private text message for getUpdates; returns the update."""
        return self.push(self.update(user_id, text, name))

    def push(self, update: Any) -> Any:
        """Queue any update body (malformed ones and duplicates too)."""
        self._updates.append(update)
        self._new_update.set()
        return update

    def fail(self, method: str, code: int, description: str, times: int = 1,
             http_status: int = 200, after: int = 0) -> None:
        """`times` calls of `method` answer ok:false with `code`, after `after` succeed."""
        queue = self._failures.setdefault(method, [])
        queue.extend([None] * after)
        queue.extend([(http_status, code, description)] * times)

    # -- what the bot did ------------------------------------------------------------------

    def sent(self, method: str = "sendMessage", chat_id: str | None = None) -> list[dict]:
        return [c.params for c in self.calls if c.method == method
                and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def texts(self, chat_id: str) -> list[str]:
        return [params["text"] for params in self.sent("sendMessage", chat_id)]

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("timed out waiting for the bot")
            await asyncio.sleep(0.01)

    async def wait_texts(self, chat_id: str, count: int, timeout: float = 5.0) -> list[str]:
        """Wait until `count` messages were sent to `chat_id`; returns their texts."""
        await self.wait_for(lambda: len(self.texts(chat_id)) >= count, timeout)
        return self.texts(chat_id)

    # -- HTTP ------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized", 401)
        method = request.match_info["method"]
        params = await request.json()
        self.calls.append(Call(method, params))
        failures = self._failures.get(method)
        failure = failures.pop(0) if failures else None
        if failure is not None:
            status, code, description = failure
            return _error(code, description, status)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found", 404)
        return await handler(params)

    async def _api_getMe(self, params: dict) -> web.Response:
        return _ok({"id": "bot", "account_name": "troly06", "display_name": "Trợ lý 06"})

    async def _api_getUpdates(self, params: dict) -> web.Response:
        if self.webhook is not None:
            return _error(400, "Webhook is set, getUpdates is not available", 400)
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        if not self._updates:
            return _error(408, "Request timeout", self.no_update_status)
        return _ok(self._updates.pop(0))

    async def _api_sendMessage(self, params: dict) -> web.Response:
        text = params.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
            return _error(400, "Bad Request: text must be 1-2000 characters", 400)
        return _ok({"message_id": f"b{next(self._message_ids)}", "date": int(time.time() * 1000)})

    async def _api_setWebhook(self, params: dict) -> web.Response:
        self.webhook = params
        return _ok({"url": params.get("url"), "updated_at": int(time.time() * 1000)})

    async def _api_deleteWebhook(self, params: dict) -> web.Response:
        self.webhook = None
        return _ok({"url": ""})


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str, status: int) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description}, status=status
    )
