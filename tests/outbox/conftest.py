"""Outbox fixtures: a manual clock and a scripted in-memory channel."""

from __future__ import annotations

import pytest

from bot.outbox import Outbox, RetryPolicy
from foundations.delivery import Outcome
from tests.fakes.clock import ManualClock
from tests.fakes.scripted_channel import ScriptedSender


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
