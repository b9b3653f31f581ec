"""Zalo Bot Platform: updates in (getUpdates polling or webhook) → conversation → outbox.

The platform looks like Telegram's Bot API but is simpler: POST `<base_url><token>/<method>`
with a JSON body, answers `{ok, result | error_code, description}` (HTTP 200 alone is not
success), one update per getUpdates call with no update id ("no update" is error 408),
plain text only (1–2,000 characters), no buttons. So replies are rendered as plain text
with numbered choices, split at 2,000 characters, and duplicates are recognised by
`message_id`. See ../shared/platforms.md for the facts and what is unverified.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import aiohttp

from bot.background import cancel_and_wait
from bot.channels.bounded import BoundedMap
from bot.channels.delivery import register_sender
from bot.channels.http import (
    PlatformError,
    PlatformUnreachable,
    post_json,
    send_errors,
)
from bot.channels.plain_text import PlainTextSender
from bot.channels.receiving import Inbox
from bot.channels.settings import receive_mode, retry_policy, webhook_secret
from bot.channels.webhook import WebhookServer, serve_secret_webhook
from bot.outbox import Outbox, Refused, RetryLater, SendError, TemporaryFailure
from foundations.clock import Clock, SystemClock
from foundations.messages import Incoming
from foundations.settings import Config
from handlers.conversation import Conversation
from handlers.store import Storage

log = logging.getLogger(__name__)

CHANNEL = "zalo_bot"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
MAX_TEXT = 2000
NO_UPDATE = 408  # getUpdates found nothing within its timeout: normal
ZALO_INTERNAL_ERROR = 403  # Zalo's table: "Internal server error" (temporary)
TEXT_EVENT = "message.text.received"
DEFAULT_RETRY_AFTER = 5.0


class MalformedUpdate(ValueError):
    """An update without the fields every message has."""


class ZaloBotApi:
    """Calls the Bot API methods. Errors never carry the URL: it contains the token."""

    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, token: str, timeout: float = 30.0
    ) -> None:
        self._session = session
        self._prefix = f"{base_url}{token}/"
        self.timeout = timeout

    async def call(
        self, method: str, payload: dict[str, Any] | None = None, timeout: float | None = None
    ) -> Any:
        """The `result` of `method`; a refusal is a PlatformError, a failed call
        PlatformUnreachable (PlatformMaybeSent when the request may have arrived)."""
        status, body = await post_json(
            self._session, self._prefix + method, method, timeout or self.timeout,
            json=payload or {},
        )
        if not isinstance(body, dict):
            raise PlatformError(status, "answer is not a JSON object", status)
        if body.get("ok") is not True:
            raise _api_error(body, status)
        return body.get("result")


def _api_error(body: dict[str, Any], status: int) -> PlatformError:
    code = body.get("error_code")
    error = PlatformError(
        code if isinstance(code, int) else status, str(body.get("description") or ""), status
    )
    parameters = body.get("parameters")
    if isinstance(parameters, dict) and isinstance(parameters.get("retry_after"), int | float):
        error.retry_after = float(parameters["retry_after"])
    return error


class ZaloBotSender(PlainTextSender):
    """The outbox's way to deliver a Reply to a Zalo Bot chat."""

    channel = CHANNEL
    max_text = MAX_TEXT

    def __init__(self, api: ZaloBotApi) -> None:
        super().__init__()
        self.api = api

    async def send_text(self, chat_id: str, text: str) -> None:
        with send_errors(_send_error):
            await self.api.call("sendMessage", {"chat_id": chat_id, "text": text})


def _send_error(exc: PlatformError) -> SendError:
    """The outbox's name for an API refusal; unknown codes are final.

    403 is "Internal server error" in Zalo's own error table, not Telegram's "blocked by
    the user": a fault of Zalo's, retried like a 5xx, never a reason to mark a citizen
    inactive or an official unreachable. Zalo documents no "blocked" code.
    """
    if exc.code == 429:
        return RetryLater(exc.retry_after or DEFAULT_RETRY_AFTER, str(exc))
    if exc.code == ZALO_INTERNAL_ERROR or exc.code >= 500:
        return TemporaryFailure(str(exc))
    return Refused(str(exc))


def unwrap(body: Any) -> Any:
    """The update itself: webhooks are documented as `{ok, result}` but seen top-level."""
    if isinstance(body, dict) and "result" in body and "event_name" not in body:
        return body["result"]
    return body


def to_incoming(update: Any) -> Incoming | None:
    """The conversation event in an update; None for events we do not answer (images…)."""
    try:
        message = update["message"]
        event = update["event_name"]
        sender, chat = message["from"], message["chat"]
        user_id, chat_id, message_id = str(sender["id"]), str(chat["id"]), message["message_id"]
    except KeyError as exc:
        raise MalformedUpdate(f"missing {exc}") from None
    except TypeError:
        raise MalformedUpdate("not a JSON object where one is expected") from None
    text = message.get("text")
    if event != TEXT_EVENT or not isinstance(text, str) or not text.strip():
        return None
    return Incoming(
        channel=CHANNEL,
        user_id=user_id,
        chat_id=chat_id,
        display_name=str(sender.get("display_name") or ""),
        text=text,
        message_id=str(message_id),
        numbered_choices=True,
    )


class ZaloBotChannel:
    """The Zalo bot in polling or webhook mode."""

    name = CHANNEL

    def __init__(
        self,
        config: Config,
        conversation: Conversation,
        outbox: Outbox,
        storage: Storage | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        self.conversation = conversation
        self.outbox = outbox
        self.clock = clock or SystemClock()
        self.mode = receive_mode(config, CHANNEL)
        self.secret_token = webhook_secret(config, CHANNEL)
        self.poll_timeout = config.zalo_bot.poll_timeout
        self.backoff = retry_policy(config).backoff
        self.inbox = Inbox(CHANNEL, conversation, outbox, storage)
        self._seen: BoundedMap[str, None] = BoundedMap()
        self._session: aiohttp.ClientSession | None = None
        self._poller: asyncio.Task[None] | None = None
        self._server: WebhookServer | None = None
        self.api: ZaloBotApi | None = None

    async def start(self) -> None:
        """Register the sender, then receive by webhook or by polling."""
        self._session = aiohttp.ClientSession()
        self.api = ZaloBotApi(
            self._session, self.config.zalo_bot.base_url,
            str(self.config.zalo_bot.token),
        )
        register_sender(self.outbox, self.config, ZaloBotSender(self.api), 10,
                        self.conversation.last_buttons)
        await self.inbox.start()
        if self.mode == "webhook":
            await self._start_webhook()
        else:
            with contextlib.suppress(PlatformError, PlatformUnreachable):  # none may be set
                await self.api.call("deleteWebhook")
            self._poller = asyncio.create_task(self._poll(), name="zalo-bot-polling")
        log.info("zalo bot channel started in %s mode", self.mode)

    async def stop(self) -> None:
        await cancel_and_wait(self._poller)
        self._poller = None
        if self._server is not None:
            await self._server.stop()
            self._server = None
        await self.inbox.stop()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def receive(self, body: Any) -> None:
        """Queue one update (polled or posted) for the conversation, once per message_id."""
        try:
            incoming = to_incoming(unwrap(body))
        except MalformedUpdate as exc:
            log.warning("malformed zalo bot update skipped: %s", exc)
            return
        if incoming is None:
            log.info("zalo bot update skipped: not a text message")
            return
        if not self._seen.first_time(incoming.message_id or ""):
            log.info("duplicate zalo bot message %s skipped", incoming.message_id)
            return
        self.inbox.put(incoming)

    async def _poll(self) -> None:
        """Long-poll getUpdates forever; "no update" is normal, errors back off."""
        assert self.api is not None
        failures = 0
        while True:
            try:
                result = await self.api.call(
                    "getUpdates", {"timeout": self.poll_timeout}, timeout=self.poll_timeout + 10
                )
            except (PlatformError, PlatformUnreachable) as exc:
                if isinstance(exc, PlatformError) and exc.code == NO_UPDATE:
                    failures = 0
                    continue
                failures += 1
                log.warning("zalo bot getUpdates failed: %s", exc)
                await self.clock.sleep(self.backoff(failures))
                continue
            failures = 0
            for update in result if isinstance(result, list) else [result]:
                self.receive(update)

    async def _start_webhook(self) -> None:
        self._server, url = await serve_secret_webhook(
            self.config, CHANNEL, SECRET_HEADER, self.secret_token, self._receive_posted
        )
        assert self.api is not None
        await self.api.call("setWebhook", {"url": url, "secret_token": self.secret_token})

    async def _receive_posted(self, body: bytes) -> None:
        """A posted update, as `receive` takes it; a body that is not JSON is skipped."""
        try:
            update = json.loads(body)
        except ValueError:
            log.warning("malformed zalo bot webhook body skipped")
            return
        self.receive(update)
