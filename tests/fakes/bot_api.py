"""What the Telegram and Zalo Bot fakes share: both platforms expose a "Bot API" of methods.

Each is POST `/bot<TOKEN>/<method>` answering `{ok: true, result}` or `{ok: false,
error_code, description}`, has getUpdates long polling that a webhook switches off, and is
where specs script failures. This base checks the token, records every call (failed ones
too, since a retry is a second call), plays scripted failures, then hands the call to the
subclass's `_api_<method>`; an unknown method is a 404 as on the real platforms.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.local_server import LocalServer


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    client_port: int | None = None  # the client's end of the connection: reuse shows here


@dataclass(frozen=True)
class Failure:
    """One scripted `ok: false` answer: the platform's error_code under an HTTP status.

    Telegram always uses the error code as the status; Zalo Bot often answers 200.
    """

    code: int
    description: str
    http_status: int
    parameters: dict[str, Any] | None = None

    def response(self) -> web.Response:
        return api_error(self.code, self.description, self.http_status, self.parameters)


def api_ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def api_error(
    code: int,
    description: str,
    http_status: int | None = None,
    parameters: dict[str, Any] | None = None,
) -> web.Response:
    """An `ok: false` answer; the HTTP status is the error code unless given."""
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code if http_status is None else http_status)


@dataclass
class BotApiServer(LocalServer):
    token: str = ""
    calls: list[Call] = field(default_factory=list)
    webhook: dict[str, Any] | None = None
    _updates: list[Any] = field(default_factory=list)
    _failures: dict[str, list[Any]] = field(default_factory=dict)
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)
    _delays: dict[str, list[float]] = field(default_factory=dict)
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self._dispatch)

    def release_waiters(self) -> None:
        self._new_update.set()  # end long polls now rather than at their timeout
        self._released.set()

    @property
    def base_url(self) -> str:
        return f"{super().base_url}/bot"

    # -- what users do ---------------------------------------------------------------------

    def push(self, update: Any) -> Any:
        """Queue any update body for getUpdates (malformed ones and duplicates too)."""
        self._updates.append(update)
        self._new_update.set()
        return update

    # -- errors ----------------------------------------------------------------------------

    def _fail_next(self, method: str, failure: Any, times: int, after: int) -> None:
        """`times` calls of `method` get `failure` (anything with a `response()`: a Failure,
        an odd success), once `after` more calls have succeeded."""
        queue = self._failures.setdefault(method, [])
        queue.extend([None] * after)
        queue.extend([failure] * times)

    def delay(self, method: str, seconds: float, times: int = 1) -> None:
        """Hold the answers to the next `times` calls of `method` for `seconds` (a slow
        platform); the call is handled all the same."""
        self._delays.setdefault(method, []).extend([seconds] * times)

    # -- what the bot did ------------------------------------------------------------------

    def sent(self, method: str = "sendMessage", chat_id: int | str | None = None) -> list[dict]:
        """Params of the successful-or-not calls of `method`, optionally to one chat."""
        return [c.params for c in self.calls if c.method == method
                and (chat_id is None or c.params.get("chat_id") == chat_id)]

    # -- HTTP ------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        """The call's parameters; both platforms take JSON bodies."""
        return await request.json()

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return api_error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.calls.append(Call(method, params, peer[1] if peer else None))
        delays = self._delays.get(method)
        if delays:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), delays.pop(0))
        failures = self._failures.get(method)
        failure = failures.pop(0) if failures else None
        if failure is not None:
            return failure.response()
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return api_error(404, "Not Found")
        return await handler(params)

    async def _await_update(self, timeout: float) -> None:
        """Hold a getUpdates call open for up to `timeout` seconds while nothing is queued,
        as long polling does, so specs see the bot's real polling rhythm."""
        if not self._updates and timeout > 0:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
