"""Local fakes of the Zalo OA Open API and the Zalo OAuth server, one aiohttp app over HTTP.

Like the documented platform: the CS message endpoint answers HTTP 200 with `error != 0`
on failure (-216 for an invalid access token, -220 for an expired one, -213 for a user
who does not follow, -230 for a user outside the free window); the OAuth endpoint rotates
tokens and each refresh token works once. Tests sign webhook events exactly as Zalo does,
can make a refresh hang after the rotation (a crash before the bot persisted it), and can
watch every send as it arrives.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.channels.zalo_oa.channel import signature
from foundations.clock import Clock, SystemClock
from tests.fakes.local_server import LocalServer

APP_ID = "3200111222333"
SECRET_KEY = "oa-secret-key-for-tests"
APP_SECRET = "app-secret-for-tests"
FIRST_ACCESS, FIRST_REFRESH = "acc-0", "ref-0"
OUTSIDE_WINDOW = -230
INVALID_PARAMETERS = -201


@dataclass
class Send:
    access_token: str
    user_id: str
    message: dict[str, Any]
    error: int


@dataclass
class FakeZaloOA(LocalServer):
    access_token: str = FIRST_ACCESS
    refresh_token: str = FIRST_REFRESH
    sends: list[Send] = field(default_factory=list)
    refreshes: list[dict[str, str]] = field(default_factory=list)
    outside_window: set[str] = field(default_factory=set)
    unfollowed: set[str] = field(default_factory=set)
    refused_quotes: set[str] = field(default_factory=set)  # msg_ids Zalo will not quote
    stale_token_error: int = -216  # what a token that is no longer valid gets (or -220)
    hold_refresh: asyncio.Event | None = None  # set: refresh answers only when it is set
    on_send: Callable[[Send], None] | None = None
    refusing: dict[str, int] = field(default_factory=dict)  # user id → error code
    clock: Clock = field(default_factory=SystemClock)  # dates the events users send
    answer_delay: float = 0.0  # seconds a send is held after it was recorded (a slow Zalo)
    _serial: itertools.count = field(default_factory=lambda: itertools.count(1))
    _rotations: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v3.0/oa/message/cs", self._cs)
        app.router.add_post("/v4/oa/access_token", self._oauth)

    def release_waiters(self) -> None:
        if self.hold_refresh is not None:
            self.hold_refresh.set()

    @property
    def oauth_url(self) -> str:
        return f"{self.base_url}/v4/oa/access_token"

    def expire_access_token(self) -> None:
        """Zalo invalidates the current access token (it expired early, was revoked…)."""
        self.access_token = f"acc-revoked-{next(self._serial)}"

    # -- webhook events, signed as Zalo signs them ------------------------------------------

    def event(self, name: str, user_id: str, timestamp_ms: int | None = None,
              app_id: str = APP_ID, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "app_id": app_id,
            "event_name": name,
            "timestamp": str(timestamp_ms if timestamp_ms is not None
                             else int(self.clock.now().timestamp() * 1000)),
            **fields,
        }
        if name in ("follow", "unfollow"):
            body.setdefault("follower", {"id": user_id})
            body.setdefault("oa_id", "oa-1")
        else:
            body.setdefault("sender", {"id": user_id})
            body.setdefault("recipient", {"id": "oa-1"})
        return body

    def text_event(self, user_id: str, text: str, msg_id: str | None = None,
                   timestamp_ms: int | None = None) -> dict[str, Any]:
        message = {"text": text, "msg_id": msg_id or f"msg-{next(self._serial)}"}
        return self.event("user_send_text", user_id, timestamp_ms, message=message)

    @staticmethod
    def signed(body: dict[str, Any], secret_key: str = SECRET_KEY) -> tuple[bytes, str]:
        """The raw bytes and the X-ZEvent-Signature header for `body`."""
        raw = json.dumps(body, ensure_ascii=False).encode()
        return raw, signature(str(body["app_id"]), raw, str(body["timestamp"]), secret_key)

    # -- what the bot sent ------------------------------------------------------------------

    def texts(self, user_id: str) -> list[str]:
        return [s.message["text"] for s in self.sends if s.user_id == user_id and s.error == 0]

    async def wait_texts(self, user_id: str, count: int) -> list[str]:
        await self.wait_for(lambda: len(self.texts(user_id)) >= count)
        return self.texts(user_id)

    # -- HTTP ------------------------------------------------------------------------------

    async def _cs(self, request: web.Request) -> web.Response:
        body = await request.json()
        user_id = str(body["recipient"]["user_id"])
        token = request.headers.get("access_token", "")
        if token != self.access_token:
            error, message = self.stale_token_error, "Access token is invalid or expired"
        elif user_id in self.unfollowed:
            error, message = -213, "User has not followed OA"
        elif body["message"].get("quote_message_id") in self.refused_quotes:
            error, message = INVALID_PARAMETERS, "Parameters are invalid"
        elif user_id in self.refusing:
            error, message = self.refusing[user_id], "Refused"
        elif user_id in self.outside_window:
            error, message = OUTSIDE_WINDOW, "User has not interacted with the OA recently"
        else:
            error, message = 0, "Success"
        send = Send(token, user_id, body["message"], error)
        self.sends.append(send)
        if self.on_send is not None:
            self.on_send(send)
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        if error:
            return web.json_response({"error": error, "message": message})
        data = {"message_id": f"oa-msg-{next(self._serial)}", "user_id": user_id}
        return web.json_response({"error": 0, "message": "Success", "data": data})

    async def _oauth(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.refreshes.append({k: str(v) for k, v in form.items()})
        if request.headers.get("secret_key") != APP_SECRET or form.get("app_id") != APP_ID:
            return web.json_response({"error": -14001, "error_name": "Invalid app"})
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != (
            self.refresh_token
        ):
            return web.json_response({"error": -14014, "error_name": "Invalid refresh token"})
        serial = next(self._rotations)
        self.access_token, self.refresh_token = f"acc-{serial}", f"ref-{serial}"
        if self.hold_refresh is not None:  # rotated server-side; the answer is late
            await self.hold_refresh.wait()
        return web.json_response({"access_token": self.access_token,
                                  "refresh_token": self.refresh_token, "expires_in": "90000"})
