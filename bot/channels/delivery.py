"""How a channel's sender joins the outbox, and what it remembers between attempts.

- `register_sender`: the sender at its `outbox.rates.<channel>` and the per-chat spacing.
- `RememberingChoices`: on channels where a typed number presses a button, the buttons of
  every reply delivered, remembered in one place rather than by each sender.
- `DeliveredParts`: which parts of a split reply already left, so a retry after a failure
  on part 2 does not send part 1 again; `send_remaining` is the loop every sender runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from bot.channels.bounded import BoundedMap
from bot.outbox import ChannelSender, Outbox, RetryLater, SendError, TemporaryFailure
from foundations.messages import Reply
from foundations.settings import Config

P = TypeVar("P")
MAX_PARTIAL_REPLIES = 1000


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


class ChoiceMemory(Protocol):
    """Where the buttons shown to each chat are kept (the conversation's LastButtons)."""

    def remember(self, channel: str, chat_id: str, replies: list[Reply]) -> None: ...


@dataclass
class RememberingChoices:
    """A sender whose delivered replies leave their buttons in `choices`, so a typed number
    presses one also on replies that reach the chat without a conversation turn
    (reminders, broadcasts)."""

    sender: ChannelSender
    choices: ChoiceMemory

    @property
    def channel(self) -> str:
        return self.sender.channel

    async def send(self, chat_id: str, reply: Reply) -> None:
        await self.sender.send(chat_id, reply)
        self.choices.remember(self.channel, chat_id, [reply])


def register_sender(
    outbox: Outbox,
    config: Config,
    sender: ChannelSender,
    default_rate: float,
    choices: ChoiceMemory | None = None,
) -> None:
    """Give the outbox `sender` at its `outbox.rates.<channel>` and the per-chat spacing;
    with `choices`, the buttons of what it delivers are remembered there."""
    outbox.register(
        sender if choices is None else RememberingChoices(sender, choices),
        config.outbox.rates.get(sender.channel, default_rate),
        config.outbox.per_chat_interval,
    )
