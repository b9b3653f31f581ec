"""Delivery: each tick sends every member's pending reminders as one message, once.

A delivery is marked sent only when the platform accepted it. What surely did not leave
stays pending for the next tick; what may have arrived is marked `unconfirmed` and never
resent (a duplicate is worse than a logged miss). Refusals and blocks are recorded and
reported to the member's leaders.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import sqlite_utils

from foundations.clock import Clock
from foundations.delivery import BLOCKED, BULK, SENT, UNCONFIRMED, Outcome, Outgoing
from foundations.messages import Reply
from scheduler import messages, store
from scheduler.messages import UNDELIVERED_REASONS
from scheduler.planning import MEMBER_SCOPE, Planner
from scheduler.policy import ESCALATE, ReminderPolicy
from scheduler.store import MemberRow, Occurrence, Pending

log = logging.getLogger(__name__)

SUPERSEDED = "superseded"  # a pending kind a newer one of the same occurrence replaces
# Members whose reminders are queued before the event loop may run something else. Queuing
# one costs two queries and a message (0.1-0.2 ms), so a fan-out to 10,000 officials held
# the loop for seconds and every citizen's answer waited behind it (benchmarks/README.md);
# 25 at a time keep each wait to a few milliseconds, well within a reply's 50 ms.
MEMBERS_AT_A_TIME = 25


class ReminderOutbox(Protocol):
    """What the engine needs of the bot's send queue; bot/app.py passes `bot.outbox.Outbox`.

    Defined here, by its user, so that the scheduler sends without importing bot/.
    """

    def serves(self, channel: str) -> bool:
        """Whether `channel` can deliver now; reminders to it stay pending otherwise."""
        ...

    def when_channel_added(self, callback: Callable[[str], None]) -> None:
        """Call `callback(channel)` whenever a channel becomes able to deliver."""
        ...

    async def submit(self, outgoing: Outgoing) -> None:
        """Queue one message; its outcome reaches `outgoing.on_result`."""
        ...


class ReminderService:
    """The reminder engine: plans (through `Planner`) and sends, recording every outcome."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        outbox: ReminderOutbox,
        policy: ReminderPolicy,
        clock: Clock,
        done_scope: str = MEMBER_SCOPE,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.policy = policy
        self.clock = clock
        self.planner = Planner(db, policy, done_scope)
        self._in_flight: set[int] = set()  # delivery ids handed to the outbox by this process

    async def tick(self) -> datetime:
        """Do everything due now; returns when the next tick is needed."""
        now = self.clock.now()
        occurrences = self.planner.open_occurrences(now)
        if not self.policy.in_quiet(now):
            self.planner.plan(occurrences, now)
            await self._send_pending(occurrences)
        return self.planner.next_wake(occurrences, now)

    def format_due(self, due_at: datetime) -> str:
        return messages.format_due(due_at, self.policy.tz)

    async def _send_pending(self, occurrences: list[Occurrence]) -> None:
        by_id = {occ.id: occ for occ in occurrences}
        by_member: dict[str, list[Pending]] = defaultdict(list)
        stale: list[int] = []
        for item in store.pending_deliveries(self.db):
            if item.id in self._in_flight:
                continue
            if item.occurrence_id in by_id:
                by_member[item.member_id].append(item)
            else:
                stale.append(item.id)
        store.set_delivery_status(self.db, stale, "skipped")
        for count, (member_id, items) in enumerate(by_member.items(), start=1):
            await self._send_to_member(member_id, _latest_per_kind(items), by_id)
            if count % MEMBERS_AT_A_TIME == 0:
                await asyncio.sleep(0)  # citizens' updates are handled in between

    async def _send_to_member(
        self, member_id: str, items: list[Pending], by_id: dict[int, Occurrence]
    ) -> None:
        member = store.member(self.db, member_id)
        keep = [p for p in items if p.kind != SUPERSEDED]
        superseded = [p.id for p in items if p.kind == SUPERSEDED]
        if member is None or not member.active or member.chat_id is None:
            store.set_delivery_status(self.db, [p.id for p in items], "skipped")
            return
        if not self.outbox.serves(member.channel):  # channel not configured now: keep pending
            return
        still_due = [
            p for p in keep
            if p.kind.startswith(ESCALATE) or not self.planner.is_done(p.occurrence_id, member)
        ]  # fmt: skip
        store.set_delivery_status(
            self.db, superseded + [p.id for p in keep if p not in still_due], "skipped"
        )
        if not still_due:
            return
        ids = [p.id for p in still_due]
        self._in_flight.update(ids)
        await self.outbox.submit(
            Outgoing(member.channel, member.chat_id, self._message(still_due, by_id), BULK,
                     self._recorder(ids, member))
        )  # fmt: skip

    def _message(self, items: list[Pending], by_id: dict[int, Occurrence]) -> Reply:
        today = self.clock.now().astimezone(self.policy.tz).date()
        reminders = [p for p in items if not p.kind.startswith(ESCALATE)]
        escalations = [p for p in items if p.kind.startswith(ESCALATE)]
        return messages.reminder_message(
            [messages.reminder_text(by_id[p.occurrence_id], today, self.policy.tz)
             for p in reminders],
            [messages.escalation_text(by_id[p.occurrence_id], self.policy.tz,
                                      self.planner.late_for_leader(by_id[p.occurrence_id],
                                                                   p.member_id))
             for p in escalations],
            list(dict.fromkeys(p.occurrence_id for p in reminders)),
        )  # fmt: skip

    def _recorder(self, ids: list[int], member: MemberRow):
        async def record(outcome: Outcome) -> None:
            self._in_flight.difference_update(ids)
            if outcome.status == SENT:
                store.set_delivery_status(self.db, ids, SENT, sent_at=self.clock.now())
            elif outcome.status == BLOCKED:
                store.set_delivery_status(self.db, ids, BLOCKED, detail=outcome.detail)
                await self._member_blocked(member)
            elif outcome.status in UNDELIVERED_REASONS:  # final; the next kind may get through
                first = not store.undelivered_before(self.db, ids, UNDELIVERED_REASONS)
                store.set_delivery_status(self.db, ids, outcome.status, detail=outcome.detail)
                if first:
                    await self._tell_leaders(member, messages.undelivered_notice(
                        member.name, store.group_name(self.db, member.group_id), outcome.status))
            elif outcome.status == UNCONFIRMED:  # may have arrived: a resend could be a duplicate
                store.set_delivery_status(self.db, ids, UNCONFIRMED, detail=outcome.detail)
                log.warning("reminder to %s may not have arrived: %s", member.id, outcome.detail)
            else:  # surely not sent: stays pending, the next tick tries again
                log.warning("reminder to %s not delivered: %s", member.id, outcome.detail)

        return record

    async def _member_blocked(self, member: MemberRow) -> None:
        """A member blocked the bot: stop reminding them and tell their group's leaders."""
        store.deactivate_chat(self.db, member.channel, member.chat_id)
        group = store.group_name(self.db, member.group_id)
        await self._tell_leaders(member, messages.blocked_notice(member.name, group))

    async def _tell_leaders(self, member: MemberRow, text: str) -> None:
        """Leaders can reach a member the bot cannot: each of the member's leaders hears."""
        for leader in store.leaders_of(self.db, [member.group_id]):
            if leader.id != member.id:
                await self.outbox.submit(
                    Outgoing(leader.channel, leader.chat_id, Reply(text), BULK)
                )


def _latest_per_kind(items: list[Pending]) -> list[Pending]:
    """Per occurrence keep the newest reminder and the newest escalation; mark the rest.

    Pending rows are ordered by id, i.e. by planning time, so the last one wins.
    """
    latest: dict[tuple[int, bool, bool], Pending] = {}
    for item in items:
        key = (item.occurrence_id, item.kind.startswith(ESCALATE), item.kind.startswith("snooze"))
        latest[key] = item
    winners = set(map(id, latest.values()))
    reminder_occs = {k[0] for k in latest if not k[1] and not k[2]}
    result = []
    for item in items:
        snooze_shadowed = item.kind.startswith("snooze") and item.occurrence_id in reminder_occs
        if id(item) in winners and not snooze_shadowed:
            result.append(item)
        else:
            result.append(Pending(item.id, item.occurrence_id, item.member_id, SUPERSEDED))
    return result
