"""Outbox fixtures: a manual clock and a scripted in-memory channel.

`ScriptedSender` is a real implementation of the ChannelSender protocol (what a channel
adapter provides), whose platform answers are scripted per chat.
"""

from __future__ import annotations

import pytest

from bot.clock import ManualClock
from bot.outbox import Outbox, Outcome, RetryPolicy
from handlers.types import Reply


class ScriptedSender:
    def __init__(self, clock: ManualClock, channel: str = "test") -> None:
        self.channel = channel
        self.clock = clock
        self.script: dict[str, list[Exception]] = {}
        self.attempts: list[tuple[float, str]] = []
        self.sent: list[tuple[float, str, str]] = []

    def fail(self, chat_id: str, *errors: Exception) -> None:
        """The next sends to `chat_id` raise these errors, in order."""
        self.script.setdefault(chat_id, []).extend(errors)

    async def send(self, chat_id: str, reply: Reply) -> None:
        now = self.clock.monotonic()
        self.attempts.append((now, chat_id))
        errors = self.script.get(chat_id)
        if errors:
            raise errors.pop(0)
        self.sent.append((now, chat_id, reply.text))


class Outcomes(list):
    async def __call__(self, outcome: Outcome) -> None:
        self.append(outcome)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sender(clock: ManualClock) -> ScriptedSender:
    return ScriptedSender(clock)


@pytest.fixture
def outcomes() -> Outcomes:
    return Outcomes()


@pytest.fixture
async def outbox(clock: ManualClock):
    box = Outbox(clock=clock, retry=RetryPolicy(max_attempts=3, backoff_base=1.0))
    yield box
    await box.stop()
