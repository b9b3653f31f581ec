"""From a platform's event to the outbox: the path every channel's incoming messages take.

- `Responder`: an event's replies from the conversation into the outbox, with the
  delivery outcome that marks a user who blocked or left us inactive.
- `Inbox`: a `Responder` behind one queue and one worker per channel, between the
  webhook / polling loop and the conversation. Webhooks answer at once (the platform does
  not wait on our matching) and a user's messages are handled in arrival order.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from bot.background import cancel_and_wait
from bot.outbox import Outbox
from foundations.delivery import BLOCKED, INTERACTIVE, Outcome, Outgoing, ResultCallback
from foundations.messages import Incoming
from handlers.conversation import Conversation
from handlers.store import Storage

log = logging.getLogger(__name__)


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
