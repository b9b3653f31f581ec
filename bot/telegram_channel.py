"""Telegram: updates in (polling or webhook) → conversation → replies out through the outbox.

The adapter only translates: a PTB `Update` becomes an `Incoming`, a `Reply` becomes
messages (see telegram_render), PTB errors become the outbox's error kinds. Updates of
different users run concurrently; one user's updates are handled in arrival order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import warnings
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ChatAction
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.warnings import PTBUserWarning

from bot.channel_kit import (
    ChannelStartError,
    DeliveredParts,
    Responder,
    WebhookServer,
    receive_mode,
    register_sender,
    secret_refusal,
    webhook_secret,
)
from bot.outbox import Blocked, Outbox, Refused, RetryLater, TemporaryFailure, Unconfirmed
from bot.telegram_render import TelegramMessage, render
from bot.telegram_request import REQUEST_NOT_SENT, AiohttpRequest
from foundations.clock import Clock, SystemClock
from foundations.messages import Incoming, Reply
from foundations.settings import Config, ConfigError
from handlers.conversation import Conversation
from handlers.store import Storage

log = logging.getLogger(__name__)

CHANNEL = "telegram"
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
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # official links would crowd the answer
# Causes of a PTB NetworkError that mean the request never left (safe to send again); a
# TelegramError cause is an error answer PTB could not parse: Telegram refused it.
NOT_SENT_CAUSES = (*REQUEST_NOT_SENT, TelegramError)


class TelegramSender:
    """The outbox's way to deliver a Reply to a Telegram chat."""

    channel = CHANNEL

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self._delivered = DeliveredParts()  # a retry after a 429 on part 2 skips part 1

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Send every part of `reply`, translating PTB errors for the outbox."""
        await self._delivered.send_remaining(
            chat_id, reply, render(reply), lambda message: self._send_message(chat_id, message)
        )

    async def _send_message(self, chat_id: str, message: TelegramMessage) -> None:
        try:
            await self.bot.send_message(
                chat_id=int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id,
                text=message.html,
                parse_mode="HTML",
                reply_markup=message.markup,
                link_preview_options=NO_PREVIEW,
            )
        except RetryAfter as exc:
            raise RetryLater(_seconds(exc.retry_after), str(exc)) from exc
        except Forbidden as exc:
            raise Blocked(str(exc)) from exc
        except (BadRequest, InvalidToken) as exc:
            raise Refused(str(exc)) from exc
        except NetworkError as exc:  # includes TimedOut and 5xx
            if surely_not_delivered(exc):
                raise TemporaryFailure(str(exc)) from exc
            raise Unconfirmed(str(exc) or type(exc).__name__) from exc
        except Exception as exc:  # Telegram answered, but not in a form PTB could read
            raise Unconfirmed(f"{type(exc).__name__}: {exc}") from exc


def surely_not_delivered(exc: NetworkError) -> bool:
    """Whether the message surely did not reach Telegram: no connection was made (connect
    error or timeout, no free connection), or Telegram answered with an error status (5xx).

    PTB raises NetworkError for all of these and for a request that went out but got no
    answer in time; only the cause tells them apart.
    """
    cause = exc.__cause__
    return cause is None or isinstance(cause, NOT_SENT_CAUSES)


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


class TolerantRequest(AiohttpRequest):
    """getUpdates transport that replaces updates PTB cannot parse by bare update ids.

    PTB parses a whole batch at once: one malformed update would make it fetch the same
    batch forever. A bare `{"update_id": N}` still advances the offset; the handler then
    logs and skips it.
    """

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:
        data = super().parse_json_payload(payload)
        result = data.get("result") if isinstance(data, dict) else None
        if isinstance(result, list):
            data["result"] = [_parsable(item) for item in result]
        return data


def _parsable(item: Any) -> Any:
    try:
        Update.de_json(item, None)  # type: ignore[arg-type]
    except Exception as exc:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        log.warning("malformed update %s skipped: %s", update_id, type(exc).__name__)
        return {"update_id": update_id} if isinstance(update_id, int) else {"update_id": 0}
    return item


def to_incoming(update: Update) -> Incoming | None:
    """The conversation event in a Telegram update, or None if there is none we handle."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return None
    common = {
        "channel": CHANNEL,
        "user_id": str(user.id),
        "chat_id": str(chat.id),
        "display_name": user.full_name or "",
    }
    query = update.callback_query
    if query is not None:
        if not query.data:
            return None
        message_id = str(query.message.message_id) if query.message else None
        return Incoming(**common, button=query.data, message_id=message_id)
    message = update.message
    if message is None:
        return None
    contact = message.contact
    if contact is not None and contact.user_id == user.id and contact.phone_number:
        return Incoming(**common, phone=contact.phone_number, message_id=str(message.message_id))
    if message.text:
        return Incoming(**common, text=message.text, message_id=str(message.message_id))
    return None


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
        self.application = self._build_application()
        self._locks = KeyedLocks()
        self._server: WebhookServer | None = None

    def _build_application(self) -> Application:
        token = str(self.config.telegram.token)
        request = AiohttpRequest()
        builder = (
            Application.builder()
            .token(token)
            .base_url(self.config.telegram.base_url)
            .request(request)
            .concurrent_updates(CONCURRENT_UPDATES)
        )
        if self.mode == "webhook":
            builder = builder.updater(None)
        else:
            builder = builder.get_updates_request(TolerantRequest(shares=request))
        application = builder.build()
        application.add_handler(TypeHandler(Update, self._on_update))
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
        if self._server is not None:
            await self._server.stop()
            self._server = None
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def _set_commands(self) -> None:
        commands = [BotCommand(name, text) for name, text in self.conversation.commands()]
        try:
            await self.application.bot.set_my_commands(commands)
        except TelegramError as exc:  # a missing menu must not stop the bot
            log.warning("setMyCommands failed: %s", exc)

    async def _on_update(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle one update: answer the button press, queue the replies (showing typing
        if that takes a noticeable time)."""
        incoming = to_incoming(update)
        if incoming is None:
            log.warning("update %s skipped: nothing a conversation can handle", update.update_id)
            return
        if update.callback_query is not None:
            await self._quietly(update.callback_query.answer())
        async with self._typing_if_slow(incoming.chat_id), self._locks.hold(incoming.user_id):
            await self.responder.answer(incoming)

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
        url = self.config.telegram.webhook_url
        if not url:
            raise ConfigError("telegram.mode là webhook nhưng chưa đặt telegram.webhook_url")
        self._server = WebhookServer.from_config(self.config, CHANNEL, self._webhook)
        await self._server.start()
        await self.application.bot.set_webhook(
            url=str(url), secret_token=self.secret_token, allowed_updates=ALLOWED_UPDATES
        )

    async def _webhook(self, request: web.Request) -> web.Response:
        """Accept an update only with the secret we gave Telegram; skip malformed bodies."""
        refusal = secret_refusal(request, SECRET_HEADER, self.secret_token)
        if refusal is not None:
            return refusal
        try:
            update = Update.de_json(json.loads(await request.read()), self.application.bot)
        except Exception as exc:  # 200 anyway: Telegram would resend a bad update forever
            log.warning("malformed webhook update skipped: %s", type(exc).__name__)
            return web.Response()
        await self.application.update_queue.put(update)
        return web.Response()


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
