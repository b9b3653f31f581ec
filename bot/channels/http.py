"""Calling a platform's JSON API over HTTP, once for every channel that does (Zalo Bot, Zalo
OA and its OAuth server; Telegram goes through PTB), and naming its failures for the outbox.

A failed call is one of three things, and the outbox must treat each differently:
- `PlatformUnreachable`: no connection was made, the request surely never arrived: sending
  again is safe (TemporaryFailure);
- `PlatformMaybeSent`: the request went out but no answer could be read: it may have been
  delivered and must not be sent again (Unconfirmed);
- `PlatformError`: the platform answered and refused; each channel says what its codes mean.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import aiohttp

from bot.outbox import SendError, TemporaryFailure, Unconfirmed

CONNECT_TIMEOUT = 10.0  # seconds to open a connection to a platform


class PlatformUnreachable(Exception):
    """The platform could not be reached or timed out (network trouble, not an answer)."""


class PlatformMaybeSent(PlatformUnreachable):
    """The request went out but no answer could be read: it may have been delivered."""


class PlatformError(Exception):
    """The platform answered with a refusal: `code` is its error code or the HTTP status."""

    def __init__(self, code: int, description: str, http_status: int = 200) -> None:
        super().__init__(f"error {code}: {description}".strip())
        self.code = code
        self.description = description
        self.http_status = http_status
        self.retry_after: float | None = None


def surely_not_sent(exc: BaseException) -> bool:
    """Whether an HTTP call failed before the request could reach the platform (no
    connection was made). Anything later (a read timeout, a dropped connection, an
    unreadable answer) may have been delivered, and must not be sent again."""
    return isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError)


def send_timeout(total: float) -> aiohttp.ClientTimeout:
    """A call's time limit, with the connection's own shorter limit, so that a slow connect
    (surely not sent) is told apart from a slow answer (maybe sent)."""
    return aiohttp.ClientTimeout(total=total, sock_connect=min(total, CONNECT_TIMEOUT))


async def post_json(
    session: aiohttp.ClientSession,
    url: str,
    what: str,
    timeout: float,
    *,
    json: Any = None,
    data: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, Any]:
    """POST a JSON body (or `data`, a form) and read the answer: its HTTP status and its
    JSON, None when it is not JSON. Raises PlatformUnreachable or PlatformMaybeSent, with
    `what` (never the URL: it may hold a token) as the message."""
    try:
        async with session.post(
            url, json=json, data=data, headers=headers, timeout=send_timeout(timeout)
        ) as response:
            status = response.status
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = None
    except (aiohttp.ClientError, TimeoutError) as exc:
        failure = PlatformUnreachable if surely_not_sent(exc) else PlatformMaybeSent
        raise failure(f"{what}: {type(exc).__name__}") from None
    return status, body


@contextlib.contextmanager
def send_errors(refusal: Callable[[PlatformError], SendError]) -> Iterator[None]:
    """Raise the outbox's name for a failed platform call: Unconfirmed when the message may
    have arrived, TemporaryFailure when it surely did not, and for a refusal what the
    channel's `refusal` calls its code."""
    try:
        yield
    except PlatformMaybeSent as exc:
        raise Unconfirmed(str(exc)) from None
    except PlatformUnreachable as exc:
        raise TemporaryFailure(str(exc)) from None
    except PlatformError as exc:
        raise refusal(exc) from None
