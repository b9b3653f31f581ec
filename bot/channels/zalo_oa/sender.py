"""Zalo OA out: customer-service messages quoting the user's last `msg_id`, the token
refresh they may need, and Zalo's error codes as the outbox's kinds (Zalo reports failures
as HTTP 200 with `error != 0`).

Since 01/01/2026 a message is free within 48 h of the user's last interaction with the OA
(message, follow, button…), billed up to 7 days, refused after (-230/-232). Unless
`zalo_oa.send_billed` is true, nothing is sent outside the free 48 h: the outbox records
such a message as OUTSIDE_WINDOW (as it records Zalo's own -230/-232), never retried.
See ../shared/platforms.md for the facts and what is unverified.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

from bot.channels.bounded import BoundedMap
from bot.channels.http import PlatformError, post_json, send_errors
from bot.channels.plain_text import PlainTextSender
from bot.channels.zalo_oa import CHANNEL
from bot.channels.zalo_oa.store import OAStore
from bot.channels.zalo_oa.tokens import OAuthTokens, TokenRefreshFailed
from bot.outbox import (
    Blocked,
    OutsideWindow,
    Refused,
    RetryLater,
    SendError,
    TemporaryFailure,
)
from foundations.clock import Clock
from foundations.messages import Reply

log = logging.getLogger(__name__)

CS_PATH = "/v3.0/oa/message/cs"
MAX_TEXT = 2000
TOKEN_REJECTED = (-216, -220)  # invalid / expired or removed: refresh and try once more
NOT_FOLLOWER = -213  # the user does not follow the OA (any more)
NOT_INTERACTED = (-230, -232)  # no interaction in the last 7 days
# Refusals about the user or the account, not the message: resending without a quote
# cannot help (outside the 7-day window, banned, restricted, out of quota or money).
ABOUT_THE_USER = frozenset({-230, -232, -227, -244, -211, -218, -320, -321})
RATE_LIMITED = -32
RETRY_AFTER = 60.0
FREE_WINDOW = 48 * 3600  # messages within this of the user's last interaction are free


class ZaloOAApi:
    """The customer-service message call, with the token refresh it may need."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, tokens: OAuthTokens,
                 timeout: float = 30.0):  # fmt: skip
        self._session = session
        self._url = base_url.rstrip("/") + CS_PATH
        self.tokens = tokens
        self.timeout = timeout

    async def send_message(self, user_id: str, message: dict[str, Any]) -> dict[str, Any]:
        """Send; when Zalo rejects the token (-216 invalid, -220 expired or removed) refresh
        it once (shared with concurrent senders) and resend."""
        body = {"recipient": {"user_id": user_id}, "message": message}
        access = await self.tokens.access_token()
        try:
            return await self._post(access, body)
        except PlatformError as exc:
            if exc.code not in TOKEN_REJECTED:
                raise
        fresh = await self.tokens.refresh(access)
        return await self._post(fresh.access, body)

    async def _post(self, access_token: str, body: dict[str, Any]) -> dict[str, Any]:
        status, answer = await post_json(
            self._session, self._url, "send", self.timeout,
            json=body, headers={"access_token": access_token},
        )
        if not isinstance(answer, dict):
            raise PlatformError(status, "answer is not a JSON object", status)
        code = answer.get("error", 0)
        if status != 200 or code != 0:
            raise PlatformError(int(code or status), str(answer.get("message") or ""), status)
        return answer


class ZaloOASender(PlainTextSender):
    """The outbox's way to deliver a Reply to an OA follower."""

    channel = CHANNEL
    max_text = MAX_TEXT

    def __init__(
        self, api: ZaloOAApi, clock: Clock, store: OAStore, send_billed: bool = False
    ) -> None:
        super().__init__()
        self.api = api
        self.clock = clock
        self.store = store
        self.send_billed = send_billed
        self._quotes: BoundedMap[str, tuple[str, float]] = BoundedMap()

    def user_wrote(self, user_id: str, msg_id: str) -> None:
        """Remember the message to quote in replies (for 48 hours)."""
        self._quotes.put(user_id, (msg_id, self.clock.monotonic()))

    async def send(self, chat_id: str, reply: Reply) -> None:
        self._check_free_window(chat_id)
        await super().send(chat_id, reply)

    def _check_free_window(self, chat_id: str) -> None:
        """OutsideWindow unless billed messages are allowed or the user interacted with the
        OA in the last 48 h (a reply to a message always is: the message opened it)."""
        if self.send_billed:
            return
        last = self.store.last_interaction(chat_id)
        if last is None or self.clock.now().timestamp() - last > FREE_WINDOW:
            raise OutsideWindow("no interaction with the OA in the last 48 h: not sent "
                                "(zalo_oa.send_billed is false)")

    async def send_text(self, chat_id: str, text: str) -> None:
        with send_errors(_send_error):
            try:
                await self._send_quoting(chat_id, text)
            except TokenRefreshFailed as exc:  # an admin may authorise the OA again meanwhile
                raise TemporaryFailure(str(exc)) from None

    async def _send_quoting(self, chat_id: str, text: str) -> None:
        """Send quoting the user's message; if Zalo refuses a quoted message for a reason
        that may be the quote (an id it no longer knows…), forget the quote and resend the
        text once without it rather than lose the reply."""
        quote = self._quote(chat_id)
        if quote is None:
            await self.api.send_message(chat_id, {"text": text})
            return
        try:
            await self.api.send_message(chat_id, {"text": text, "quote_message_id": quote})
        except PlatformError as exc:
            if not _may_be_the_quote(exc):
                raise
            log.warning("zalo oa refused a quoted reply (%s): resent without the quote", exc)
            self._quotes.pop(chat_id)
            await self.api.send_message(chat_id, {"text": text})

    def _quote(self, user_id: str) -> str | None:
        kept = self._quotes.get(user_id)
        if kept is None or self.clock.monotonic() - kept[1] > FREE_WINDOW:
            return None
        return kept[0]


def _may_be_the_quote(exc: PlatformError) -> bool:
    """Whether a refusal may be caused by the quoted msg_id (a final one, not about the user)."""
    return isinstance(_send_error(exc), Refused) and exc.code not in ABOUT_THE_USER


def _send_error(exc: PlatformError) -> SendError:
    """The outbox's name for an OA error; unknown codes (quota, restricted…) are final."""
    if exc.code == RATE_LIMITED or exc.http_status == 429:
        return RetryLater(RETRY_AFTER, str(exc))
    if exc.http_status >= 500 or exc.code in TOKEN_REJECTED:
        return TemporaryFailure(str(exc))
    if exc.code == NOT_FOLLOWER:
        return Blocked(str(exc))
    if exc.code in NOT_INTERACTED:
        return OutsideWindow(str(exc))
    return Refused(str(exc))
