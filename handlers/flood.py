"""Per-user flood control: a sliding window of recent messages per (channel, user)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

ALLOW = "allow"
NOTIFY = "notify"  # the first message over the limit: tell the user once
DROP = "drop"  # further messages in the same window: silence

MAX_TRACKED = 50_000  # users remembered at once; idle ones are forgotten first


class FloodGuard:
    """Allows `max_messages` per `per_seconds`; over it, one notice then silence.

    Rejected messages do not count, so the user may write again as soon as their
    oldest accepted message leaves the window.
    """

    def __init__(
        self,
        max_messages: int,
        per_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_messages = max_messages
        self.per_seconds = per_seconds
        self._clock = clock
        self._recent: dict[tuple[str, str], deque[float]] = {}
        self._notified: set[tuple[str, str]] = set()

    def check(self, channel: str, user_id: str) -> str:
        """ALLOW, NOTIFY or DROP this message, and remember it if allowed."""
        key = (channel, user_id)
        now = self._clock()
        recent = self._recent.pop(key, deque())  # re-inserted last: dict order = recency
        while recent and recent[0] <= now - self.per_seconds:
            recent.popleft()
        self._recent[key] = recent
        self._forget_idle()
        if len(recent) < self.max_messages:
            recent.append(now)
            self._notified.discard(key)
            return ALLOW
        if key in self._notified:
            return DROP
        self._notified.add(key)
        return NOTIFY

    def _forget_idle(self) -> None:
        while len(self._recent) > MAX_TRACKED:
            oldest = next(iter(self._recent))
            del self._recent[oldest]
            self._notified.discard(oldest)
