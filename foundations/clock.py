"""Time sources: the Clock protocol and the real one (tests move a ManualClock by hand:
tests/fakes/clock.py).

Everything that waits or asks for the time (outbox pacing, reminder policy) takes a clock,
so tests check "7 days before at 08:00" or "retry after 30 s" without really waiting.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Current wall-clock time, timezone-aware."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards, for pacing and back-off."""

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` on this clock."""


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))
