"""A clock that only moves when told to: specs and simulations check "7 days before at 08:00"
or "retry after 30 s" without really waiting."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import UTC, datetime, timedelta


class ManualClock:
    """A clock that only moves when told to; sleepers wake in order as time passes them."""

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime(2025, 7, 1, tzinfo=UTC)
        self._elapsed = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        return self._elapsed

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._elapsed + seconds, next(self._seq), future))
        await future

    def sleepers(self) -> int:
        """How many tasks wait on this clock (a spec waits for one before moving time)."""
        return sum(1 for _, _, future in self._sleepers if not future.done())

    async def advance(self, seconds: float) -> None:
        """Move time forward, waking each sleeper at its own moment and letting it run."""
        target = self._elapsed + seconds
        await _settle()
        while self._sleepers and self._sleepers[0][0] <= target:
            wake_at, _, future = heapq.heappop(self._sleepers)
            if future.done():  # cancelled sleeper
                continue
            self._elapsed = max(self._elapsed, wake_at)
            future.set_result(None)
            await _settle()
        self._elapsed = target
        await _settle()

    async def set(self, moment: datetime) -> None:
        """Advance to an absolute wall-clock moment (never backwards)."""
        await self.advance(max(0.0, (moment - self.now()).total_seconds()))


async def _settle(rounds: int = 20) -> None:
    """Give woken tasks a few loop iterations to run before time moves again."""
    for _ in range(rounds):
        await asyncio.sleep(0)
