"""python-telegram-bot's HTTP transport on aiohttp, one client session per bot.

Why not PTB's default (httpx): measured by benchmarks/throughput.py, httpx and httpcore
took over half the bot's CPU per update: httpcore's pool bookkeeping grows with the
square of open connections and it tries `import sniffio` (not installed) on every
request. aiohttp is already our dependency (webhook servers, Zalo), and PTB documents
custom `BaseRequest` classes for exactly this.

PTB keeps two request objects (bot methods, and getUpdates with its long polls); both
use one aiohttp session here, so they share one pool of keep-alive connections.
Errors keep PTB's meaning: HTTP statuses are mapped by `BaseRequest` itself; a timeout
is `TimedOut` and any other transport failure `NetworkError`, each raised from the
aiohttp exception, whose type tells whether the request surely never left
(`REQUEST_NOT_SENT`: no connection could be made in time).
"""

from __future__ import annotations

import json

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# aiohttp errors raised before a request was written: nothing reached the Bot API.
REQUEST_NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


class SharedSession:
    """One aiohttp session for several request objects, open while any of them is."""

    def __init__(self, connection_pool_size: int) -> None:
        self.connection_pool_size = connection_pool_size
        self.session: aiohttp.ClientSession | None = None
        self._users: set[int] = set()

    def join(self, user: object) -> aiohttp.ClientSession:
        """Open the session if needed; the same user joining twice counts once."""
        self._users.add(id(user))
        if self.session is None or self.session.closed:
            connector = aiohttp.TCPConnector(limit=self.connection_pool_size)
            self.session = aiohttp.ClientSession(connector=connector)
        return self.session

    async def leave(self, user: object) -> None:
        """Close the session when its last user leaves."""
        self._users.discard(id(user))
        if not self._users and self.session is not None:
            await self.session.close()
            self.session = None


class AiohttpRequest(BaseRequest):
    """A `telegram.request.BaseRequest` on aiohttp.

    Timeouts (seconds, None for none) as PTB's HTTPXRequest takes them, within what
    aiohttp can tell apart: `connect_timeout` opening a connection, and with
    `pool_timeout` getting one (waiting for a free one included); `read_timeout` waiting
    for the answer. aiohttp has no write timeout: the sum of all four bounds the request.
    `shares`: another AiohttpRequest whose session (and connection pool) this one uses.
    """

    __slots__ = ("_session", "_shared", "_shut_down", "_timeouts")

    def __init__(
        self,
        connection_pool_size: int = 32,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        shares: AiohttpRequest | None = None,
    ) -> None:
        self._shared = shares._shared if shares is not None else SharedSession(
            connection_pool_size)
        self._timeouts = {"read": read_timeout, "write": write_timeout,
                          "connect": connect_timeout, "pool": pool_timeout}
        self._session: aiohttp.ClientSession | None = None
        self._shut_down = False

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        self._shut_down = False
        self._session = self._shared.join(self)

    async def shutdown(self) -> None:
        self._session, self._shut_down = None, True
        await self._shared.leave(self)

    def _open_session(self) -> aiohttp.ClientSession:
        """The session; opened on first use as PTB's httpx transport allows, but a request
        object that was shut down stays closed until initialized again."""
        if self._shut_down:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        if self._session is None or self._session.closed:
            self._session = self._shared.join(self)
        return self._session

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | JsonParameters | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One HTTP request; the status and body, or TimedOut / NetworkError."""
        session = self._open_session()
        timeout = self._client_timeout(read=read_timeout, write=write_timeout,
                                       connect=connect_timeout, pool=pool_timeout)
        try:
            async with session.request(
                method, url, data=_body(request_data), timeout=timeout,
                headers={"User-Agent": self.USER_AGENT},
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut(_timeout_message(exc)) from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

    def _client_timeout(self, **given: ODVInput[float]) -> aiohttp.ClientTimeout:
        """aiohttp's timeouts for this call: the given ones, the defaults for the rest."""
        chosen: dict[str, float | None] = {
            name: self._timeouts[name] if isinstance(value, DefaultValue) else value
            for name, value in given.items()
        }
        connect, pool = chosen["connect"], chosen["pool"]
        finite = [value for value in chosen.values() if value is not None]
        return aiohttp.ClientTimeout(
            total=sum(finite) if len(finite) == len(chosen) else None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=chosen["read"],
        )


class JsonParameters:
    """A call's parameters as PTB's transports read them of a `RequestData` (each value a
    string, objects JSON-encoded, no files), for `BaseRequest.post`. The sender builds its
    messages this way: PTB's per-field conversion (`RequestParameter`) and `Bot._post`
    around it cost about 0.3 ms of CPU per message (benchmarks/README.md)."""

    multipart_data = None

    def __init__(self, parameters: dict[str, object]) -> None:
        self.json_parameters = {name: value if isinstance(value, str) else json.dumps(value)
                                for name, value in parameters.items()}


def _body(
    request_data: RequestData | JsonParameters | None,
) -> aiohttp.JsonPayload | aiohttp.FormData | None:
    """The parameters as PTB encodes them, in a JSON body (the Bot API takes JSON, and
    url-encoding long Vietnamese answers cost more CPU than the rest of the request);
    multipart when there are files."""
    if request_data is None:
        return None
    files = request_data.multipart_data
    if not files:
        return aiohttp.JsonPayload(request_data.json_parameters)
    form = aiohttp.FormData(request_data.json_parameters)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form


def _timeout_message(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return ("Connect or pool timeout: no connection to the Bot API in time. "
                "Request was *not* sent to Telegram.")
    return "Timed out"

