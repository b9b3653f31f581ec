"""Pieces the channel adapters (Telegram, Zalo Bot, Zalo OA) share.

- `BoundedMap`: small memories (message ids already handled, a chat's last message id)
  that must not grow without limit on a long-running bot.
- `DeliveredParts`: which parts of a split reply already left, so a retry after a failure
  on part 2 does not send part 1 again; `send_remaining` is the loop every sender runs.
- `Responder`: an event's replies from the conversation into the outbox, with the
  delivery outcome that marks a user who blocked or left us inactive.
- `Inbox`: a `Responder` behind one queue and one worker per channel, between the
  webhook / polling loop and the conversation. Webhooks answer at once (the platform does
  not wait on our matching) and a user's messages are handled in arrival order.
- `WebhookServer`, `secret_refusal`: the small aiohttp server a webhook-mode channel
  listens on, and the shared-secret check of the platforms that send one.
- `receive_mode`, `webhook_secret`, `register_sender`: the settings every channel reads
  the same way from its own configuration section.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import aiohttp
from aiohttp import web

from bot.background import cancel_and_wait
from bot.outbox import (
    ChannelSender,
    Outbox,
    Outcome,
    Outgoing,
    ResultCallback,
    RetryLater,
    SendError,
    TemporaryFailure,
)
from foundations.delivery import BLOCKED, INTERACTIVE
from foundations.messages import Incoming, Reply
from foundations.settings import Config
from handlers.conversation import Conversation
from handlers.store import Storage

log = logging.getLogger(__name__)


class ChannelStartError(Exception):
    """A channel cannot start for a reason waiting will not fix (e.g. a rejected token)."""

CONNECT_TIMEOUT = 10.0  # seconds to open a connection to a platform
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
P = TypeVar("P")
MAX_REMEMBERED = 10_000
MAX_PARTIAL_REPLIES = 1000


class BoundedMap(Generic[K, V]):
    """A dict that forgets its least recently written keys beyond `max_size`."""

    def __init__(self, max_size: int = MAX_REMEMBERED) -> None:
        self.max_size = max_size
        self._items: OrderedDict[K, V] = OrderedDict()

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.max_size:
            self._items.popitem(last=False)

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def pop(self, key: K) -> None:
        self._items.pop(key, None)

    def first_time(self, key: K) -> bool:
        """True the first time `key` is seen (remembering it), False for a duplicate."""
        if key in self._items:
            return False
        self.put(key, None)  # type: ignore[arg-type]
        return True


class DeliveredParts:
    """Count of parts already delivered per (chat, Reply) the outbox is still retrying.

    Keyed by the identity of the Reply; the Reply is kept in the value so its id cannot be
    reused by another Reply while the entry lives.
    """

    def __init__(self, max_size: int = MAX_PARTIAL_REPLIES) -> None:
        self._parts: BoundedMap[tuple[str, int], tuple[Reply, int]] = BoundedMap(max_size)

    def done(self, chat_id: str, reply: Reply) -> int:
        kept = self._parts.get((chat_id, id(reply)))
        return kept[1] if kept is not None and kept[0] is reply else 0

    def record(self, chat_id: str, reply: Reply, parts: int) -> None:
        self._parts.put((chat_id, id(reply)), (reply, parts))

    def forget(self, chat_id: str, reply: Reply) -> None:
        self._parts.pop((chat_id, id(reply)))

    async def send_remaining(
        self,
        chat_id: str,
        reply: Reply,
        parts: Sequence[P],
        send_part: Callable[[P], Awaitable[None]],
    ) -> None:
        """Send the parts of `reply` not delivered yet, in order, counting each that leaves.

        `send_part` raises the outbox's SendError kinds. The count is kept only while the
        outbox may retry (RetryLater, TemporaryFailure); success or a final error drops it.
        """
        try:
            for index in range(self.done(chat_id, reply), len(parts)):
                await send_part(parts[index])
                self.record(chat_id, reply, index + 1)
        except (RetryLater, TemporaryFailure):
            raise
        except SendError:
            self.forget(chat_id, reply)
            raise
        self.forget(chat_id, reply)


@dataclass
class Responder:
    """Incoming event → conversation → outbox, for one channel.

    Every channel answers the same way; only how events arrive and are ordered differs
    (the Inbox's single worker, Telegram's per-user locks).
    """

    channel: str
    conversation: Conversation
    outbox: Outbox
    storage: Storage | None = None

    async def answer(self, incoming: Incoming) -> None:
        """Queue the conversation's replies to `incoming` for sending."""
        for reply in await self.conversation.handle(incoming):
            await self.outbox.submit(
                Outgoing(
                    self.channel,
                    incoming.chat_id,
                    reply,
                    priority=INTERACTIVE,
                    on_result=self._outcome_handler(incoming.user_id),
                )
            )

    def _outcome_handler(self, user_id: str) -> ResultCallback:
        """Mark a user inactive when the platform says they blocked or left us."""

        async def on_result(outcome: Outcome) -> None:
            if outcome.status == BLOCKED and self.storage is not None:
                self.storage.set_active(self.channel, user_id, False)
            elif not outcome.ok:
                log.warning("%s reply not delivered: %s %s", self.channel, outcome.status,
                            outcome.detail)

        return on_result


@dataclass
class Inbox(Responder):
    """Incoming events → conversation → outbox, one at a time in arrival order.

    Handling is fast (matching and a few SQLite writes), so one worker per channel keeps
    each user's order without per-user locks; sending is the outbox's job.
    """

    _queue: asyncio.Queue[Incoming] = field(default_factory=asyncio.Queue, init=False)
    _worker: asyncio.Task[None] | None = field(default=None, init=False)

    def put(self, incoming: Incoming) -> None:
        self._queue.put_nowait(incoming)

    async def start(self) -> None:
        self._worker = asyncio.create_task(self._work(), name=f"inbox-{self.channel}")

    async def stop(self) -> None:
        await cancel_and_wait(self._worker)
        self._worker = None

    async def _work(self) -> None:
        while True:
            incoming = await self._queue.get()
            try:
                await self.answer(incoming)
            except Exception:  # one bad event must not stop the channel
                log.exception("%s event could not be handled", self.channel)


Route = Callable[[web.Request], Awaitable[web.Response]]


class WebhookServer:
    """One POST route on its own address and port (put a TLS reverse proxy in front)."""

    def __init__(self, listen: str, port: int, path: str, route: Route) -> None:
        self.listen, self.port, self.path, self.route = listen, port, path, route
        self._runner: web.AppRunner | None = None

    @classmethod
    def from_config(cls, config: Config, section: str, route: Route) -> WebhookServer:
        """The server `<section>.webhook_listen`, `_port` and `_path` describe."""
        settings = getattr(config, section)
        return cls(settings.webhook_listen, settings.webhook_port, settings.webhook_path, route)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(self.path, self.route)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def surely_not_sent(exc: BaseException) -> bool:
    """Whether an HTTP call failed before the request could reach the platform (no
    connection was made). Anything later (a read timeout, a dropped connection, an
    unreadable answer) may have been delivered, and must not be sent again."""
    return isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError)


def send_timeout(total: float) -> aiohttp.ClientTimeout:
    """A call's time limit, with the connection's own shorter limit, so that a slow connect
    (surely not sent) is told apart from a slow answer (maybe sent)."""
    return aiohttp.ClientTimeout(total=total, sock_connect=min(total, CONNECT_TIMEOUT))


def secret_refusal(request: web.Request, header: str, secret: str) -> web.Response | None:
    """401 without the secret header, 403 with a wrong one, None when it matches.

    Compared in constant time so the secret cannot be guessed from response timings.
    """
    given = request.headers.get(header)
    if given is None:
        return web.Response(status=401)
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return web.Response(status=403)
    return None


def receive_mode(config: Config, section: str) -> str:
    """`<section>.mode`: "polling" (the default) or "webhook" (load_config checked it)."""
    return str(getattr(config, section).mode)


def webhook_secret(config: Config, section: str) -> str:
    """`<section>.secret_token`, or a random one: the platform is told it on setWebhook."""
    return getattr(config, section).secret_token or secrets.token_urlsafe(32)


def register_sender(
    outbox: Outbox, config: Config, sender: ChannelSender, default_rate: float
) -> None:
    """Give the outbox `sender` at its `outbox.rates.<channel>` and the per-chat spacing."""
    outbox.register(
        sender,
        config.outbox.rates.get(sender.channel, default_rate),
        config.outbox.per_chat_interval,
    )
