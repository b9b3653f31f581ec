"""Zalo Official Account (API v3): signed webhook events in → conversation → CS messages out.

Every event must carry `X-ZEvent-Signature: mac=<sha256(app_id + raw body + timestamp +
OA secret key)>` and a timestamp neither older than `zalo_oa.max_event_age` (2 hours: Zalo
resends an unanswered event with its first timestamp for about an hour) nor in the future
beyond clock skew; anything else gets 401 and is not looked at. Each event is handled once,
however often it is resent, across restarts too. One specification says the app secret
signs events: if only the app secret matches, the event is accepted and that logged once.

`user_send_text` is answered, `follow` greeted with the menu, `unfollow` marks the user
inactive, other events are acknowledged and ignored. Replies go to the customer-service
endpoint quoting the user's last `msg_id`; Zalo reports failures as HTTP 200 with
`error != 0`.

Since 01/01/2026 a message is free within 48 h of the user's last interaction with the OA
(message, follow, button…), billed up to 7 days, refused after (-230/-232). Unless
`zalo_oa.send_billed` is true, nothing is sent outside the free 48 h: the outbox records
such a message as OUTSIDE_WINDOW (as it records Zalo's own -230/-232), never retried.
See ../shared/platforms.md for the facts and what is unverified.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

import aiohttp
from aiohttp import web

from bot.channel_kit import (
    BoundedMap,
    DeliveredParts,
    Inbox,
    WebhookServer,
    register_sender,
    send_timeout,
    surely_not_sent,
)
from bot.outbox import (
    Blocked,
    Outbox,
    OutsideWindow,
    Refused,
    RetryLater,
    SendError,
    TemporaryFailure,
    Unconfirmed,
)
from bot.plain_text import render_parts
from bot.zalo_oa_store import OAStore
from bot.zalo_oa_tokens import (
    OAuthTokens,
    TokenRefreshFailed,
    TokenStore,
    ZaloOAUnreachable,
)
from foundations.clock import Clock, SystemClock
from foundations.messages import Incoming, Reply
from foundations.settings import Config, ConfigError
from handlers.conversation import Conversation, LastButtons
from handlers.store import Storage

log = logging.getLogger(__name__)

CHANNEL = "zalo_oa"
SIGNATURE_HEADER = "X-ZEvent-Signature"
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
MAX_FUTURE_MS = 10 * 60 * 1000  # clock skew tolerated on an event's timestamp
INTERACTIONS = ("follow", "user_click_chatnow", "user_submit_info", "user_reacted_message")


class ZaloOAError(Exception):
    """The OA API answered with `error != 0` (or an HTTP error without a JSON body)."""

    def __init__(self, code: int, message: str, http_status: int = 200) -> None:
        super().__init__(f"error {code}: {message}".strip())
        self.code = code
        self.http_status = http_status


class ZaloOAMaybeSent(ZaloOAUnreachable):
    """The message went out but no answer could be read: it may have been delivered."""


class BadSignature(Exception):
    """A webhook request whose signature, app or timestamp cannot be trusted."""


def signature(app_id: str, raw_body: bytes, timestamp: str, secret_key: str) -> str:
    """The `mac=` value Zalo computes: plain SHA-256 (not HMAC) of the four parts."""
    digest = hashlib.sha256(
        app_id.encode() + raw_body + timestamp.encode() + secret_key.encode()
    ).hexdigest()
    return f"mac={digest}"


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
        except ZaloOAError as exc:
            if exc.code not in TOKEN_REJECTED:
                raise
        fresh = await self.tokens.refresh(access)
        return await self._post(fresh.access, body)

    async def _post(self, access_token: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            async with self._session.post(
                self._url, json=body, headers={"access_token": access_token},
                timeout=send_timeout(self.timeout),
            ) as response:
                status = response.status
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = None
        except (aiohttp.ClientError, TimeoutError) as exc:
            failure = ZaloOAUnreachable if surely_not_sent(exc) else ZaloOAMaybeSent
            raise failure(f"send: {type(exc).__name__}") from None
        if not isinstance(answer, dict):
            raise ZaloOAError(status, "answer is not a JSON object", status)
        code = answer.get("error", 0)
        if status != 200 or code != 0:
            raise ZaloOAError(int(code or status), str(answer.get("message") or ""), status)
        return answer


class ZaloOASender:
    """The outbox's way to deliver a Reply to an OA follower."""

    channel = CHANNEL

    def __init__(
        self,
        api: ZaloOAApi,
        clock: Clock,
        store: OAStore,
        send_billed: bool = False,
        last_buttons: LastButtons | None = None,
    ) -> None:
        self.api = api
        self.clock = clock
        self.store = store
        self.send_billed = send_billed
        self.last_buttons = last_buttons
        self._quotes: BoundedMap[str, tuple[str, float]] = BoundedMap()
        self._delivered = DeliveredParts()

    def user_wrote(self, user_id: str, msg_id: str) -> None:
        """Remember the message to quote in replies (for 48 hours)."""
        self._quotes.put(user_id, (msg_id, self.clock.monotonic()))

    async def send(self, chat_id: str, reply: Reply) -> None:
        self._check_free_window(chat_id)
        await self._delivered.send_remaining(
            chat_id, reply, render_parts(reply, MAX_TEXT),
            lambda text: self._send_text(chat_id, text),
        )
        if self.last_buttons is not None and reply.buttons:
            self.last_buttons.remember(CHANNEL, chat_id, [reply])

    def _check_free_window(self, chat_id: str) -> None:
        """OutsideWindow unless billed messages are allowed or the user interacted with the
        OA in the last 48 h (a reply to a message always is: the message opened it)."""
        if self.send_billed:
            return
        last = self.store.last_interaction(chat_id)
        if last is None or self.clock.now().timestamp() - last > FREE_WINDOW:
            raise OutsideWindow("no interaction with the OA in the last 48 h: not sent "
                                "(zalo_oa.send_billed is false)")

    async def _send_text(self, chat_id: str, text: str) -> None:
        try:
            await self._send_quoting(chat_id, text)
        except ZaloOAMaybeSent as exc:
            raise Unconfirmed(str(exc)) from None
        except (ZaloOAUnreachable, TokenRefreshFailed) as exc:
            raise TemporaryFailure(str(exc)) from None
        except ZaloOAError as exc:
            raise _send_error(exc) from None

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
        except ZaloOAError as exc:
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


def _may_be_the_quote(exc: ZaloOAError) -> bool:
    """Whether a refusal may be caused by the quoted msg_id (a final one, not about the user)."""
    return isinstance(_send_error(exc), Refused) and exc.code not in ABOUT_THE_USER


def _send_error(exc: ZaloOAError) -> SendError:
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


class ZaloOAChannel:
    """The OA webhook server and sender."""

    name = CHANNEL

    def __init__(
        self,
        config: Config,
        conversation: Conversation,
        outbox: Outbox,
        storage: Storage | None = None,
        clock: Clock | None = None,
    ) -> None:
        if storage is None:
            raise ValueError("the zalo_oa channel keeps its tokens in storage: pass one")
        self.app_id = str(config.zalo_oa.app_id)
        self.secret_key = config.zalo_oa.secret_key or ""
        if not self.secret_key:
            raise ConfigError("zalo_oa.secret_key (TROLY06_ZALO_OA_SECRET_KEY) là bắt buộc để "
                              "kiểm tra chữ ký webhook của Zalo OA")
        self.config = config
        self.conversation = conversation
        self.outbox = outbox
        self.storage = storage
        self.clock = clock or SystemClock()
        self.app_secret = config.zalo_oa.app_secret or ""
        self.max_age_ms = config.zalo_oa.max_event_age * 1000
        self.inbox = Inbox(CHANNEL, conversation, outbox, storage)
        self.store = OAStore(storage.db, config.zalo_oa.max_event_age + 3600)
        self._app_secret_signs = False  # logged once when seen
        self._session: aiohttp.ClientSession | None = None
        self._server: WebhookServer | None = None
        self.sender: ZaloOASender | None = None

    async def start(self) -> None:
        """Load or seed the tokens, register the sender, listen for events."""
        self._session = aiohttp.ClientSession()
        tokens = OAuthTokens(
            self._session,
            TokenStore(self.storage.db, self.app_id),
            self.config.zalo_oa.oauth_url,
            self.config.zalo_oa.app_secret or "",
            self.clock,
            self.config.zalo_oa.refresh_margin,
        )
        tokens.seed(self.config.zalo_oa.access_token, self.config.zalo_oa.refresh_token)
        api = ZaloOAApi(self._session, self.config.zalo_oa.base_url, tokens)
        self.sender = ZaloOASender(api, self.clock, self.store, self.config.zalo_oa.send_billed,
                                   self.conversation.last_buttons)
        register_sender(self.outbox, self.config, self.sender, 10)
        await self.inbox.start()
        self._server = WebhookServer.from_config(self.config, CHANNEL, self._webhook)
        await self._server.start()
        log.info("zalo oa channel started")

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
            self._server = None
        await self.inbox.stop()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _webhook(self, request: web.Request) -> web.Response:
        """401 for anything unsigned, mis-signed, for another app, too old or from the
        future; else 200 and handle it (once, however often Zalo resends it)."""
        raw = await request.read()
        try:
            event = self._verified(raw, request.headers.get(SIGNATURE_HEADER))
        except BadSignature as exc:
            log.warning("zalo oa webhook rejected: %s", exc)
            return web.Response(status=401)
        self._dispatch(event)
        return web.Response()

    def _verified(self, raw: bytes, given: str | None) -> dict[str, Any]:
        """The event, once its signature, app and timestamp are checked."""
        if not given:
            raise BadSignature("no signature")
        try:
            event = json.loads(raw)
            app_id, timestamp = str(event["app_id"]), str(event["timestamp"])
            sent_ms = float(timestamp)
        except (ValueError, KeyError, TypeError):
            raise BadSignature("body without app_id and timestamp") from None
        self._check_signature(given.strip(), app_id, raw, timestamp)
        if app_id != self.app_id:
            raise BadSignature("event for another app")
        age_ms = self.clock.now().timestamp() * 1000 - sent_ms
        if age_ms > self.max_age_ms:
            raise BadSignature("stale timestamp (replay?)")
        if age_ms < -MAX_FUTURE_MS:
            raise BadSignature("timestamp in the future")
        return event

    def _check_signature(self, given: str, app_id: str, raw: bytes, timestamp: str) -> None:
        """The OA secret key signs events; the app secret is accepted too (logged once)."""
        if _matches(given, signature(app_id, raw, timestamp, self.secret_key)):
            return
        if self.app_secret and _matches(given, signature(app_id, raw, timestamp,
                                                         self.app_secret)):
            if not self._app_secret_signs:
                self._app_secret_signs = True
                log.warning("zalo oa events are signed with the app secret, not the OA "
                            "secret key: accepted")
            return
        raise BadSignature("signature mismatch")

    def _dispatch(self, event: dict[str, Any]) -> None:
        """Act on one verified event, once; events we do not serve are acknowledged."""
        name = event.get("event_name")
        try:
            if _is_interaction(str(name)):
                self._interacted(event)
            if name == "user_send_text":
                self._on_text(event)
            elif name == "follow":
                self._on_follow(event)
            elif name == "unfollow":
                self._on_unfollow(event)
            else:
                log.info("zalo oa event %s ignored", name)
        except (KeyError, TypeError) as exc:
            log.warning("malformed zalo oa %s event skipped: %s", name, type(exc).__name__)

    def _first_time(self, event: dict[str, Any], user_id: str) -> bool:
        message = event.get("message")
        msg_id = message.get("msg_id") if isinstance(message, dict) else None
        key = msg_id or f"{event.get('event_name')}:{user_id}:{event.get('timestamp')}"
        if self.store.first_time(str(key), self.clock.now().timestamp()):
            return True
        log.info("duplicate zalo oa event %s skipped", event.get("event_name"))
        return False

    def _interacted(self, event: dict[str, Any]) -> None:
        """Remember when the user last interacted (Zalo's timestamp, never in the future)."""
        now = self.clock.now().timestamp()
        self.store.interacted(_follower(event), min(now, float(event["timestamp"]) / 1000))

    def _on_text(self, event: dict[str, Any]) -> None:
        user_id = str(event["sender"]["id"])
        message = event["message"]
        text, msg_id = message["text"], str(message["msg_id"])
        if not self._first_time(event, user_id):
            return
        assert self.sender is not None
        self.sender.user_wrote(user_id, msg_id)
        self.inbox.put(
            Incoming(CHANNEL, user_id, user_id, text=str(text), message_id=msg_id,
                     numbered_choices=True)
        )

    def _on_follow(self, event: dict[str, Any]) -> None:
        """A new follower gets the same greeting and menu as /start."""
        user_id = _follower(event)
        if self._first_time(event, user_id):
            self.inbox.put(Incoming(CHANNEL, user_id, user_id, text="/start",
                                    numbered_choices=True))

    def _on_unfollow(self, event: dict[str, Any]) -> None:
        user_id = _follower(event)
        if self._first_time(event, user_id):
            self.storage.set_active(CHANNEL, user_id, False)


def _matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _is_interaction(event_name: str) -> bool:
    """Whether the event is the user interacting with the OA (opens the send window)."""
    return event_name.startswith("user_send_") or event_name in INTERACTIONS


def _follower(event: dict[str, Any]) -> str:
    follower = event.get("follower") or event["sender"]
    return str(follower["id"])
