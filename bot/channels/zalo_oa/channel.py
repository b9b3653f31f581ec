"""Zalo Official Account (API v3): signed webhook events in → conversation → CS messages out.

Every event must carry `X-ZEvent-Signature: mac=<sha256(app_id + raw body + timestamp +
OA secret key)>` and a timestamp neither older than `zalo_oa.max_event_age` (2 hours: Zalo
resends an unanswered event with its first timestamp for about an hour) nor in the future
beyond clock skew; anything else gets 401 and is not looked at. Each event is handled once,
however often it is resent, across restarts too. One specification says the app secret
signs events: if only the app secret matches, the event is accepted and that logged once.

`user_send_text` is answered, `follow` greeted with the menu, `unfollow` marks the user
inactive, other events are acknowledged and ignored; every interaction is recorded, for the
free 48 h window replies are sent in (sender.py). See ../shared/platforms.md for the facts
and what is unverified.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

import aiohttp
from aiohttp import web

from bot.channels.delivery import register_sender
from bot.channels.receiving import Inbox
from bot.channels.webhook import WebhookServer
from bot.channels.zalo_oa import CHANNEL
from bot.channels.zalo_oa.sender import ZaloOAApi, ZaloOASender
from bot.channels.zalo_oa.store import OAStore
from bot.channels.zalo_oa.tokens import OAuthTokens, TokenStore
from bot.outbox import Outbox
from foundations.clock import Clock, SystemClock
from foundations.messages import Incoming
from foundations.settings import Config, ConfigError
from handlers.conversation import Conversation
from handlers.store import Storage

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ZEvent-Signature"
MAX_FUTURE_MS = 10 * 60 * 1000  # clock skew tolerated on an event's timestamp
INTERACTIONS = ("follow", "user_click_chatnow", "user_submit_info", "user_reacted_message")


class BadSignature(Exception):
    """A webhook request whose signature, app or timestamp cannot be trusted."""


def signature(app_id: str, raw_body: bytes, timestamp: str, secret_key: str) -> str:
    """The `mac=` value Zalo computes: plain SHA-256 (not HMAC) of the four parts."""
    digest = hashlib.sha256(
        app_id.encode() + raw_body + timestamp.encode() + secret_key.encode()
    ).hexdigest()
    return f"mac={digest}"


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
        self.sender = ZaloOASender(api, self.clock, self.store, self.config.zalo_oa.send_billed)
        register_sender(self.outbox, self.config, self.sender, 10, self.conversation.last_buttons)
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
