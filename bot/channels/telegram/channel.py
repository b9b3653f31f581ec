"""Telegram: updates in (polling or webhook) → conversation → replies out through the outbox.

The adapter only translates: an update as Telegram sent it becomes an `Incoming`
(updates.py), a `Reply` becomes messages and PTB errors the outbox's error kinds
(sender.py). Updates of different users run concurrently (up to CONCURRENT_UPDATES); one
user's updates are handled in arrival order. PTB polls, sends and starts the bot; the
updates themselves are handled here, without building PTB objects for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import warnings
from collections.abc import AsyncIterator
from typing import Any

from telegram import BotCommand
from telegram.constants import ChatAction
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ContextTypes
from telegram.warnings import PTBUserWarning

from bot.channels import ChannelStartError
from bot.channels.delivery import register_sender
from bot.channels.receiving import Responder
from bot.channels.settings import receive_mode, webhook_secret
from bot.channels.telegram import CHANNEL
from bot.channels.telegram.request import AiohttpRequest
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.updates import (
    ForwardingRequest,
    MalformedUpdate,
    Received,
    to_received,
    update_id,
)
from bot.channels.webhook import WebhookServer, serve_secret_webhook
from bot.outbox import Outbox
from foundations.clock import Clock, SystemClock
from foundations.settings import Config
from handlers.conversation import Conversation
from handlers.store import Storage

log = logging.getLogger(__name__)

STARTUP_RETRY_FIRST = 2.0  # seconds
STARTUP_RETRY_MAX = 60.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
GET_ME_FIELDS = ("id", "is_bot", "first_name")  # what a getMe answer must hold
ALLOWED_UPDATES = ["message", "callback_query"]
# Updates handled at once. Handling is CPU work (matching, SQLite) between a few awaits, so
# more in flight adds no speed, only work half done: with a backlog of 300, 16 served the
# oldest sooner than 256 did (p99 11 s against 17 s, benchmarks/README.md).
CONCURRENT_UPDATES = 16
# Seconds an answer may take before "typing…" is shown: a reply within about half a second
# feels immediate, a longer silence makes people wonder whether the bot heard them.
TYPING_AFTER = 0.5


class KeyedLocks:
    """One lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class TelegramChannel:
    """The Telegram bot: PTB Application in polling or webhook mode."""

    name = CHANNEL

    def __init__(
        self,
        config: Config,
        conversation: Conversation,
        outbox: Outbox,
        storage: Storage | None = None,
        clock: Clock | None = None,
    ) -> None:
        """`clock` times the waits for an unreachable Bot API at start."""
        self.config = config
        self.conversation = conversation
        self.outbox = outbox
        self.clock = clock or SystemClock()
        self.responder = Responder(CHANNEL, conversation, outbox, storage)
        self.mode = receive_mode(config, CHANNEL)
        self.secret_token = webhook_secret(config, CHANNEL)
        self._locks = KeyedLocks()
        self._slots = asyncio.Semaphore(CONCURRENT_UPDATES)
        self._handling: set[asyncio.Task[None]] = set()
        self._receiving = False
        self.application = self._build_application()
        self._server: WebhookServer | None = None

    def _build_application(self) -> Application:
        token = str(self.config.telegram.token)
        request = AiohttpRequest()
        builder = (
            Application.builder()
            .token(token)
            .base_url(self.config.telegram.base_url)
            .request(request)
        )
        if self.mode == "webhook":
            builder = builder.updater(None)
        else:
            builder = builder.get_updates_request(
                ForwardingRequest(self._receive_polled, shares=request))
        application = builder.build()
        application.add_error_handler(self._on_error)
        return application

    async def start(self) -> None:
        """Reach Telegram, then offer the sender to the outbox, set the command menu and
        start receiving updates. Nothing is sent before Telegram accepted the token: a
        rejected token must not be recorded as every reminder refused."""
        await self._initialize()
        register_sender(self.outbox, self.config, TelegramSender(self.application.bot), 25)
        await self._set_commands()
        await self.application.start()
        self._receiving = True
        if self.mode == "webhook":
            await self._start_webhook()
        else:
            await self.application.updater.start_polling(
                allowed_updates=ALLOWED_UPDATES,
                timeout=self.config.telegram.poll_timeout,
            )
        log.info("telegram channel started in %s mode", self.mode)

    async def _initialize(self) -> None:
        """Reach the Bot API (getMe). A network outage at start is waited out with back-off,
        as a service should; a token Telegram rejects is a configuration error."""
        delay = STARTUP_RETRY_FIRST
        while True:
            try:
                await self.application.initialize()
                return
            except InvalidToken as exc:
                raise ChannelStartError(
                    "Telegram từ chối telegram.token (TROLY06_TELEGRAM_TOKEN): kiểm tra lại "
                    "token lấy từ @BotFather."
                ) from exc
            except NetworkError as exc:
                log.warning("không kết nối được Telegram Bot API (%s); thử lại sau %.0f s",
                            exc, delay)
                await self.clock.sleep(delay)
                delay = min(delay * 2, STARTUP_RETRY_MAX)
            except Exception as exc:  # it answered, but not as Telegram does
                raise ChannelStartError(await self._odd_get_me(exc)) from exc

    async def _odd_get_me(self, exc: Exception) -> str:
        """One line naming the Bot API server and what its getMe answered."""
        server = self.config.telegram.base_url
        try:
            with warnings.catch_warnings():  # PTB would rather we called get_me: it cannot
                warnings.simplefilter("ignore", PTBUserWarning)
                answer: Any = await self.application.bot.do_api_request("getMe")
        except Exception as again:
            answer = f"{type(again).__name__}: {again}"
        missing = [f for f in GET_ME_FIELDS if isinstance(answer, dict) and f not in answer]
        problem = f"thiếu trường {', '.join(missing)}" if missing else type(exc).__name__
        shown = json.dumps(answer, ensure_ascii=False) if not isinstance(answer, str) else answer
        return (f"Máy chủ Bot API {server} trả lời getMe không đúng định dạng Telegram "
                f"({problem}): {shown[:200]}")

    async def stop(self) -> None:
        """Stop receiving, let handlers finish, close the HTTP client."""
        self._receiving = False  # an update PTB's last getUpdates fetches is left unconfirmed
        if self._server is not None:
            await self._server.stop()
            self._server = None
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self._handling:
            await asyncio.gather(*self._handling, return_exceptions=True)
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def _set_commands(self) -> None:
        commands = [BotCommand(name, text) for name, text in self.conversation.commands()]
        try:
            await self.application.bot.set_my_commands(commands)
        except TelegramError as exc:  # a missing menu must not stop the bot
            log.warning("setMyCommands failed: %s", exc)

    def _receive_polled(self, update: Any) -> None:
        """An update from getUpdates (called while PTB reads the batch)."""
        self._receive(update, f"update {update_id(update)}")

    async def _receive_posted(self, body: bytes) -> None:
        """An update POSTed to the webhook; a malformed one is logged and skipped."""
        try:
            update = json.loads(body)
        except ValueError as exc:
            log.warning("malformed webhook update skipped: %s", type(exc).__name__)
            return
        self._receive(update, "webhook update")

    def _receive(self, update: Any, what: str) -> None:
        """Start handling one update in the background; log and skip what we cannot handle
        (never its content: it may hold personal data)."""
        if not self._receiving:
            return
        try:
            received = to_received(update)
        except MalformedUpdate as exc:
            log.warning("malformed %s skipped: %s", what, exc)
            return
        if received is None:
            log.warning("update %s skipped: nothing a conversation can handle", update_id(update))
            return
        task = asyncio.create_task(self._handle(received))
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)

    async def _handle(self, received: Received) -> None:
        """Handle one update: answer the button press, queue the replies (showing typing
        if that takes a noticeable time)."""
        incoming = received.incoming
        async with self._slots:
            try:
                if received.callback_query_id is not None:
                    await self._quietly(
                        self.application.bot.answer_callback_query(received.callback_query_id))
                async with self._typing_if_slow(incoming.chat_id), \
                        self._locks.hold(incoming.user_id):
                    await self.responder.answer(incoming)
            except Exception:  # one bad update must not stop the others
                log.exception("error while handling a telegram update")

    @contextlib.asynccontextmanager
    async def _typing_if_slow(self, chat_id: str) -> AsyncIterator[None]:
        """Show "typing…" only if the replies are not queued within TYPING_AFTER seconds.

        Most answers are queued within milliseconds; a sendChatAction for each doubled the
        Bot API calls per question for an indicator nobody would have seen.
        """
        shown: list[asyncio.Task[None]] = []
        typing = self.application.bot.send_chat_action
        timer = asyncio.get_running_loop().call_later(TYPING_AFTER, lambda: shown.append(
            asyncio.create_task(self._quietly(typing(int(chat_id), ChatAction.TYPING)))))
        try:
            yield
        finally:
            timer.cancel()
            for task in shown:  # an indicator landing after the answer would linger 5 s
                task.cancel()

    @staticmethod
    async def _quietly(call: Any) -> None:
        """Courtesy calls (typing, button acknowledgement) may fail without consequence."""
        try:
            await call
        except TelegramError as exc:
            log.debug("courtesy call failed: %s", exc)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling a telegram update", exc_info=context.error)

    async def _start_webhook(self) -> None:
        self._server, url = await serve_secret_webhook(
            self.config, CHANNEL, SECRET_HEADER, self.secret_token, self._receive_posted
        )
        await self.application.bot.set_webhook(
            url=url, secret_token=self.secret_token, allowed_updates=ALLOWED_UPDATES
        )
