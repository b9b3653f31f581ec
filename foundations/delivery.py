"""A message on its way (`Outgoing`), how urgent it is, and what finally happened to it.

They live below every feature because the outbox (bot) reports them and the reminders,
broadcasts and progress figures (scheduler, bot) record and count them: each side needs the
names without importing the other. The reminder engine hands `Outgoing` messages to the
outbox through a Protocol of its own (scheduler.delivery.ReminderOutbox).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from foundations.messages import Reply

INTERACTIVE = 0  # a person is waiting for this answer
BULK = 1  # reminders, broadcasts: may wait behind interactive messages

SENT = "sent"
BLOCKED = "blocked"  # the user blocked the bot (Telegram 403): mark the member inactive
REFUSED = "refused"  # the platform refuses for good (e.g. Zalo OA: a restricted user)
OUTSIDE_WINDOW = "outside_window"  # not the recipient's free window (Zalo OA's 48 h): unsent
FAILED = "failed"  # temporary failures outlasted the retry limit: it surely did not leave
UNCONFIRMED = "unconfirmed"  # the request may have reached the platform: not resent


@dataclass(frozen=True)
class Outcome:
    """What finally happened to one Outgoing message."""

    status: str  # SENT, BLOCKED, REFUSED, OUTSIDE_WINDOW, FAILED or UNCONFIRMED
    outgoing: Outgoing
    attempts: int
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == SENT


ResultCallback = Callable[[Outcome], Awaitable[None]]


@dataclass(eq=False)
class Outgoing:
    """One message waiting to leave: where to, what, how urgent, and who wants the outcome."""

    channel: str
    chat_id: str
    reply: Reply
    priority: int = INTERACTIVE
    on_result: ResultCallback | None = None
