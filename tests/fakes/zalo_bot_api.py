"""A local fake of the Zalo Bot Platform API, served over real HTTP with aiohttp.

The real adapter talks to it through `zalo_bot.base_url`. Like the documented platform:
POST `/bot<TOKEN>/<method>` with JSON, answers `{ok, result}` or `{ok: false, error_code,
description}`; getUpdates long-polls and returns ONE update, "no update" is error 408
(under HTTP 200 by default, or HTTP 408 with `no_update_status`), and fails while a
webhook is set; sendMessage refuses text over 2,000 characters.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.bot_api import BotApiServer, Failure, api_error, api_ok

TOKEN = "zalo-bot-test-token"
MAX_TEXT = 2000


@dataclass
class FakeZaloBot(BotApiServer):
    token: str = TOKEN
    no_update_status: int = 200
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1))

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

    def fail(self, method: str, code: int, description: str, times: int = 1,
             http_status: int = 200, after: int = 0) -> None:
        """`times` calls of `method` answer ok:false with `code`, after `after` succeed."""
        self._fail_next(method, Failure(code, description, http_status), times, after)

    # -- what the bot did ------------------------------------------------------------------

    def texts(self, chat_id: str) -> list[str]:
        return [params["text"] for params in self.sent("sendMessage", chat_id)]

    async def wait_texts(self, chat_id: str, count: int, timeout: float = 5.0) -> list[str]:
        """Wait until `count` messages were sent to `chat_id`; returns their texts."""
        await self.wait_for(lambda: len(self.texts(chat_id)) >= count, timeout)
        return self.texts(chat_id)

    # -- HTTP ------------------------------------------------------------------------------

    async def _api_getMe(self, params: dict) -> web.Response:
        return api_ok({"id": "bot", "account_name": "troly06", "display_name": "Trợ lý 06"})

    async def _api_getUpdates(self, params: dict) -> web.Response:
        if self.webhook is not None:
            return api_error(400, "Webhook is set, getUpdates is not available")
        timeout = float(params.get("timeout") or 0)
        await self._await_update(timeout)
        if not self._updates:
            return api_error(408, "Request timeout", self.no_update_status)
        return api_ok(self._updates.pop(0))

    async def _api_sendMessage(self, params: dict) -> web.Response:
        text = params.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
            return api_error(400, "Bad Request: text must be 1-2000 characters")
        message_id = f"b{next(self._message_ids)}"
        return api_ok({"message_id": message_id, "date": int(time.time() * 1000)})

    async def _api_setWebhook(self, params: dict) -> web.Response:
        self.webhook = params
        return api_ok({"url": params.get("url"), "updated_at": int(time.time() * 1000)})

    async def _api_deleteWebhook(self, params: dict) -> web.Response:
        self.webhook = None
        return api_ok({"url": ""})

