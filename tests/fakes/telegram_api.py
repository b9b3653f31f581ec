"""A local fake of the Telegram Bot API, served over real HTTP with aiohttp.

The real python-telegram-bot client talks to it through `base_url`. It keeps a queue of
updates for getUpdates (long polling with offsets), answers the send methods the bot uses
with realistic results, records every call, and can be told to fail the next calls of a
method with 429 (retry_after), 403 or 5xx exactly as Telegram reports them.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.bot_api import BotApiServer, Failure, api_error, api_ok

TOKEN = "123456:TEST-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Trợ lý 06", "username": "Troly06Bot"}
# Fields PTB JSON-encodes inside its form bodies; everything else stays a string.
JSON_FIELDS = {
    "allowed_updates", "chat_id", "commands", "limit", "link_preview_options", "message_id",
    "offset", "reply_markup", "show_alert", "timeout", "drop_pending_updates",
    "max_connections",
}  # fmt: skip


@dataclass(frozen=True)
class UnreadableSuccess:
    """A scripted `ok: true` answer whose result lacks fields the client requires."""

    result: Any

    def response(self) -> web.Response:
        return api_ok(self.result)


@dataclass
class FakeTelegram(BotApiServer):
    token: str = TOKEN
    _update_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1000))

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
        return super().push({"update_id": next(self._update_ids), **body})

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
        parameters = {"retry_after": retry_after} if retry_after else None
        self._fail_next(method, Failure(status, description, status, parameters), times, after)

    def answer_unreadably(self, method: str, result: Any, times: int = 1) -> None:
        """Make `times` calls of `method` succeed with `result`, a shape PTB cannot parse,
        as third-party Bot API emulators answer (the call is accepted all the same)."""
        self._fail_next(method, UnreadableSuccess(result), times, after=0)

    # -- what the bot did ------------------------------------------------------------------

    async def wait_messages(self, chat_id: int, count: int, timeout: float = 5.0) -> list[dict]:
        """Wait until `count` messages were sent to `chat_id`; returns all sent to it."""
        await self.wait_for(lambda: len(self.sent("sendMessage", chat_id)) >= count, timeout)
        return self.sent("sendMessage", chat_id)

    # -- HTTP ------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        """Form or JSON bodies, as Telegram takes both; PTB encodes some fields as JSON
        inside either (a JSON body's chat_id is the string "42"), decoded here."""
        if request.content_type == "application/json":
            fields = await request.json()
        else:
            fields = dict(await request.post())
        return {key: json.loads(value) if key in JSON_FIELDS and isinstance(value, str)
                else value for key, value in fields.items()}

    async def _api_getMe(self, params: dict) -> web.Response:
        return api_ok(BOT_USER)

    async def _api_getUpdates(self, params: dict) -> web.Response:
        if self.webhook is not None:
            return api_error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        await self._await_update(timeout)
        limit = int(params.get("limit") or 100)
        return api_ok(self._updates[:limit])

    async def _api_sendMessage(self, params: dict) -> web.Response:
        return api_ok(self._bot_message(params))

    async def _api_editMessageText(self, params: dict) -> web.Response:
        return api_ok(self._bot_message(params, message_id=params.get("message_id")))

    async def _api_answerCallbackQuery(self, params: dict) -> web.Response:
        return api_ok(True)

    async def _api_sendChatAction(self, params: dict) -> web.Response:
        return api_ok(True)

    async def _api_setMyCommands(self, params: dict) -> web.Response:
        return api_ok(True)

    async def _api_setWebhook(self, params: dict) -> web.Response:
        self.webhook = params
        return api_ok(True)

    async def _api_deleteWebhook(self, params: dict) -> web.Response:
        self.webhook = None
        return api_ok(True)

    def _bot_message(self, params: dict, message_id: int | None = None) -> dict[str, Any]:
        return {
            "message_id": message_id or next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": params.get("chat_id"), "type": "private"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }

