"""One outbound queue for every channel: rate limits, priorities, retries.

Why a queue of our own: Telegram allows about 30 messages/s overall and about 1/s per chat.
A reminder fan-out to thousands of officials must neither trip those limits nor make a
citizen wait for an answer, and a 429 / 403 / 5xx must be handled once, here, instead of
in every caller. Channel adapters only translate errors into the exceptions below.

Per channel ("lane"): messages leave at most `rate_per_second`, each chat gets at most one
message per `per_chat_interval`, INTERACTIVE messages go before BULK ones, and one chat's
messages keep their order. The caller learns the outcome through `on_result`.

Replies first, reminders fill the rest: BULK messages keep to the rate's slots, while an
INTERACTIVE one may take a slot up to REPLY_BURST slots early (the reminders after it move
back by as much). A citizen asking during a fan-out would otherwise wait for the next slot,
up to 1/rate (40 ms at Telegram's 25/s), on top of the answer; in any one second the channel
then carries at most rate + REPLY_BURST + 1 messages, within Telegram's ~30/s when
configured at 25/s.

BULK messages leave one at a time per channel (the next once the platform answered the
last): reminders are re-planned from SQLite after a crash, and the one the platform
accepted just before the process died is then the only one an official can get twice.
Their pace is thus at most one per round trip (about 5–10/s to Telegram from Việt Nam),
which a day-ahead reminder can afford; interactive replies are not held back this way.

Only what surely did not reach the platform is sent again: no connection, a 429 with its
retry_after, a 5xx. When the request may have gone out (no answer in time, an answer the
adapter cannot read, an error nobody translated) the message is reported UNCONFIRMED and
never resent: a citizen or an official getting it twice is worse than a logged failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from foundations.clock import Clock, SystemClock
from foundations.delivery import (
    BLOCKED,
    BULK,
    FAILED,
    OUTSIDE_WINDOW,
    REFUSED,
    SENT,
    UNCONFIRMED,
    Outcome,
    Outgoing,
)
from foundations.messages import Reply

log = logging.getLogger(__name__)

REPLY_BURST = 2  # slots an interactive reply may run ahead of the channel's pace


class ChannelSender(Protocol):
    """What a channel adapter provides to the outbox: deliver one reply to one chat."""

    channel: str

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Deliver or raise RetryLater / Blocked / Refused / TemporaryFailure / Unconfirmed."""


class SendError(Exception):
    """Base of the errors a ChannelSender raises; the outbox decides what each means."""


class RetryLater(SendError):
    """Rate limited (HTTP 429): wait `retry_after` seconds before this chat and channel go on."""

    def __init__(self, retry_after: float, detail: str = "") -> None:
        super().__init__(detail or f"retry after {retry_after}s")
        self.retry_after = float(retry_after)


class Blocked(SendError):
    """The recipient blocked the bot or no longer exists (HTTP 403)."""


class Refused(SendError):
    """The platform will not deliver this message; retrying will not help."""


class OutsideWindow(Refused):
    """Outside the window in which the platform delivers (free) to this recipient, e.g. more
    than 48 h since a Zalo OA user's last interaction; only the recipient writing reopens it."""


class TemporaryFailure(SendError):
    """A 5xx answer, or no connection: the message surely did not land; retry after a back-off."""


class Unconfirmed(SendError):
    """The request went out but its fate is unknown (no answer in time, an unreadable one)."""


@dataclass(eq=False)
class _Entry:
    outgoing: Outgoing
    seq: int
    attempts: int = 0
    rate_limited: int = 0

    def ready_key(self) -> tuple[int, int]:
        return (self.outgoing.priority, self.seq)


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often temporary failures are retried."""

    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    max_rate_limited: int = 20  # 429s one message may absorb before it counts as failed

    def backoff(self, attempts: int) -> float:
        return min(self.backoff_max, self.backoff_base * 2 ** max(0, attempts - 1))


@dataclass(eq=False)
class _Lane:
    """Queue state of one channel."""

    sender: ChannelSender
    interval: float
    per_chat_interval: float
    ready: list[tuple[tuple[int, int], _Entry]] = field(default_factory=list)
    delayed: list[tuple[float, tuple[int, int], _Entry]] = field(default_factory=list)
    parked: dict[str, list[_Entry]] = field(default_factory=dict)  # chat busy with a send
    chat_free_at: dict[str, float] = field(default_factory=dict)
    busy_chats: set[str] = field(default_factory=set)
    bulk_in_flight: bool = False
    paused_until: float = 0.0
    next_slot: float = 0.0
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    def push_ready(self, entry: _Entry) -> None:
        heapq.heappush(self.ready, (entry.ready_key(), entry))

    def push_delayed(self, entry: _Entry, at: float) -> None:
        heapq.heappush(self.delayed, (at, entry.ready_key(), entry))

    def promote(self, now: float) -> None:
        """Delayed entries whose time has come become ready."""
        while self.delayed and self.delayed[0][0] <= now:
            _, _, entry = heapq.heappop(self.delayed)
            self.push_ready(entry)

    def pop_sendable(self, now: float) -> _Entry | None:
        """The most urgent entry whose chat may receive now; others wait for their chat.
        BULK entries wait while one is in flight or until their slot (interactive ones
        sort before them)."""
        bulk_may_go = not self.bulk_in_flight and now >= self.next_slot
        while self.ready:
            if not bulk_may_go and self.ready[0][1].outgoing.priority == BULK:
                return None
            _, entry = heapq.heappop(self.ready)
            chat = entry.outgoing.chat_id
            if chat in self.busy_chats:
                self.parked.setdefault(chat, []).append(entry)
            elif self.chat_free_at.get(chat, 0.0) > now:
                self.push_delayed(entry, self.chat_free_at[chat])
            else:
                return entry
        return None

    def release_chat(self, chat: str) -> None:
        """A send to `chat` finished: its parked messages wait for the chat's next slot."""
        self.busy_chats.discard(chat)
        free_at = self.chat_free_at.get(chat, 0.0)
        for entry in self.parked.pop(chat, []):
            self.push_delayed(entry, free_at)
        self.wakeup.set()

    def next_wake(self, now: float) -> float | None:
        """When something may become sendable without a submit or a finished send: a
        delayed entry's time, or the slot of a BULK entry that is not held by one in flight."""
        wakes = [self.delayed[0][0]] if self.delayed else []
        if self.ready and not self.bulk_in_flight and self.next_slot > now:
            wakes.append(self.next_slot)
        return min(wakes, default=None)


class Outbox:
    """The single outbound queue; see the module docstring for the rules it enforces."""

    def __init__(self, clock: Clock | None = None, retry: RetryPolicy | None = None) -> None:
        self._clock = clock or SystemClock()
        self._retry = retry or RetryPolicy()
        self._lanes: dict[str, _Lane] = {}
        self._seq = itertools.count()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._outstanding = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._running = False
        self._stopped = False
        self._on_new_channel: list[Callable[[str], None]] = []

    def register(
        self, sender: ChannelSender, rate_per_second: float, per_chat_interval: float = 1.0
    ) -> None:
        """Add a channel with its own global rate and per-chat spacing."""
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        lane = _Lane(sender, 1.0 / rate_per_second, per_chat_interval)
        self._lanes[sender.channel] = lane
        if self._running:
            lane.task = asyncio.create_task(self._run_lane(lane), name=f"outbox-{sender.channel}")
        for callback in self._on_new_channel:
            callback(sender.channel)

    def when_channel_added(self, callback: Callable[[str], None]) -> None:
        """Call `callback(channel)` each time a channel's sender registers.

        A channel registers once it can deliver (after its platform confirmed the token), so
        work planned before (reminders kept pending at start-up or during an outage) can go
        at once instead of waiting for its planner's next periodic check.
        """
        self._on_new_channel.append(callback)

    def serves(self, channel: str) -> bool:
        """Whether a sender is registered for `channel` (a channel may be switched off)."""
        return channel in self._lanes

    async def submit(self, outgoing: Outgoing) -> None:
        """Queue one message; returns at once, the outcome goes to `outgoing.on_result`."""
        if self._stopped:
            raise RuntimeError("outbox is stopped")
        lane = self._lanes.get(outgoing.channel)
        if lane is None:
            raise KeyError(f"no sender registered for channel {outgoing.channel!r}")
        self._outstanding += 1
        self._idle.clear()
        lane.push_ready(_Entry(outgoing, next(self._seq)))
        lane.wakeup.set()

    async def start(self) -> None:
        self._running = True
        for name, lane in self._lanes.items():
            if lane.task is None:
                lane.task = asyncio.create_task(self._run_lane(lane), name=f"outbox-{name}")

    async def join(self) -> None:
        """Wait until every submitted message has an outcome."""
        await self._idle.wait()

    def pending(self) -> int:
        """Messages submitted and not yet finished (queued, waiting or in flight)."""
        return self._outstanding

    async def stop(self) -> None:
        """Stop sending; sends already in flight finish, queued messages are dropped.

        Dropping is safe for reminders (their truth is in SQLite and they are sent again on
        start) and acceptable for chat replies at shutdown.
        """
        self._stopped = True
        self._running = False
        for lane in self._lanes.values():
            if lane.task is not None:
                lane.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await lane.task
                lane.task = None
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        if self._outstanding:
            log.info("outbox stopped with %d unsent message(s)", self._outstanding)

    async def _run_lane(self, lane: _Lane) -> None:
        while True:
            lane.wakeup.clear()
            now = self._clock.monotonic()
            lane.promote(now)
            start_at = max(lane.next_slot - REPLY_BURST * lane.interval, lane.paused_until)
            if start_at > now:
                await self._wait(lane, start_at - now)
                continue
            entry = lane.pop_sendable(now)
            if entry is None:
                wake = lane.next_wake(now)
                await self._wait(lane, None if wake is None else wake - now)
                continue
            lane.next_slot = max(lane.next_slot, now - lane.interval) + lane.interval
            chat = entry.outgoing.chat_id
            lane.busy_chats.add(chat)
            lane.bulk_in_flight = lane.bulk_in_flight or entry.outgoing.priority == BULK
            lane.chat_free_at[chat] = now + lane.per_chat_interval
            task = asyncio.create_task(self._deliver(lane, entry))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _wait(self, lane: _Lane, timeout: float | None) -> None:
        """Sleep until `timeout` passes or something is submitted or released."""
        if timeout is None:  # the usual wait between citizens' replies: no timer to race
            await lane.wakeup.wait()
            return
        waiters = [asyncio.ensure_future(lane.wakeup.wait()),
                   asyncio.ensure_future(self._clock.sleep(timeout))]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _deliver(self, lane: _Lane, entry: _Entry) -> None:
        outgoing = entry.outgoing
        entry.attempts += 1
        try:
            await lane.sender.send(outgoing.chat_id, outgoing.reply)
        except RetryLater as exc:
            self._rate_limited(lane, entry, exc)
        except Blocked as exc:
            await self._finish(entry, BLOCKED, str(exc))
        except OutsideWindow as exc:
            await self._finish(entry, OUTSIDE_WINDOW, str(exc))
        except Refused as exc:
            await self._finish(entry, REFUSED, str(exc))
        except TemporaryFailure as exc:
            self._temporary_failure(lane, entry, exc)
        except Exception as exc:  # Unconfirmed, or an error the adapter did not translate
            log.warning("%s send to %s not confirmed, not resent: %r",
                        outgoing.channel, outgoing.chat_id, exc)
            await self._finish(entry, UNCONFIRMED, str(exc) or type(exc).__name__)
        else:
            await self._finish(entry, SENT)
        finally:
            if outgoing.priority == BULK:
                lane.bulk_in_flight = False
            lane.release_chat(outgoing.chat_id)

    def _rate_limited(self, lane: _Lane, entry: _Entry, exc: RetryLater) -> None:
        """429: the platform says how long to wait; pause the chat and the whole channel.

        Telegram does not say whether the per-chat or the global limit was hit, so both
        pause: a short global pause costs little, a second 429 storm costs more.
        """
        entry.rate_limited += 1
        entry.attempts -= 1  # a 429 is not a failed attempt
        if entry.rate_limited > self._retry.max_rate_limited:
            self._spawn_finish(entry, FAILED, f"rate limited {entry.rate_limited} times")
            return
        resume_at = self._clock.monotonic() + exc.retry_after
        lane.paused_until = max(lane.paused_until, resume_at)
        chat = entry.outgoing.chat_id
        lane.chat_free_at[chat] = max(lane.chat_free_at.get(chat, 0.0), resume_at)
        lane.push_delayed(entry, resume_at)

    def _temporary_failure(self, lane: _Lane, entry: _Entry, exc: TemporaryFailure) -> None:
        if entry.attempts >= self._retry.max_attempts:
            self._spawn_finish(entry, FAILED, str(exc) or type(exc).__name__)
            return
        lane.push_delayed(entry, self._clock.monotonic() + self._retry.backoff(entry.attempts))

    def _spawn_finish(self, entry: _Entry, status: str, detail: str) -> None:
        task = asyncio.create_task(self._finish(entry, status, detail))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _finish(self, entry: _Entry, status: str, detail: str = "") -> None:
        outgoing = entry.outgoing
        try:
            if outgoing.on_result is not None:
                await outgoing.on_result(Outcome(status, outgoing, entry.attempts, detail))
        except Exception:
            log.exception("on_result callback failed for %s:%s", outgoing.channel, outgoing.chat_id)
        finally:
            self._outstanding -= 1
            if self._outstanding == 0:
                self._idle.set()
