"""Planning: which occurrences are open, who still owes them, which deliveries are due.

Each tick materialises the occurrences of active tasks near now, then plans for every
member not done the latest reminder kind whose time has come (older kinds are superseded,
so a restart after downtime sends one reminder, not a burst), due snoozes, and escalations
to leaders. Deliveries are inserted under UNIQUE(occurrence, member, kind), so planning
twice never duplicates. Sending is `scheduler.delivery`'s job.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

import sqlite_utils

from scheduler import store
from scheduler.policy import ReminderPolicy
from scheduler.store import MemberRow, Occurrence

MEMBER_SCOPE, GROUP_SCOPE = "member", "group"
DEFAULT_DUE_TIME = time(17, 0)  # tasks stored without a time are due at 17:00


class Planner:
    """Decides from SQLite what is owed and when; sends nothing."""

    def __init__(
        self, db: sqlite_utils.Database, policy: ReminderPolicy, done_scope: str = MEMBER_SCOPE
    ) -> None:
        self.db = db
        self.policy = policy
        self.whole_group = done_scope == GROUP_SCOPE  # one member's "done" counts for the group

    def open_occurrences(self, now: datetime, ahead: timedelta | None = None) -> list[Occurrence]:
        """Occurrences that may still need a reminder or escalation, created on first sight.

        `ahead` widens the look-ahead (for listings); reminders only need the first offset.
        """
        start = now - timedelta(days=self.policy.overdue_days + 2)
        end = now + max(ahead or timedelta(0), self.policy.earliest_lead())
        store.add_occurrences(
            self.db,
            [
                (task.id, due_at)
                for task in store.active_schedules(self.db)
                for due_at in task.recurrence.due_dates(
                    start, end, task.due_time or DEFAULT_DUE_TIME, self.policy.tz
                )
            ],
        )
        return store.occurrences_between(self.db, start, end)

    def plan(self, occurrences: list[Occurrence], now: datetime) -> None:
        """Insert every delivery due now that is not planned yet."""
        rows: list[tuple[int, str, str, datetime]] = []
        for occ in occurrences:
            if now > self.policy.relevant_until(occ.due_at):
                continue
            waiting = self.members_not_done(occ)
            waiting_ids = {member.id for member in waiting}
            kind = self.policy.latest(self.policy.reminders(occ.due_at), now)
            if kind is not None:
                rows += [(occ.id, member.id, kind, now) for member in waiting]
            rows += [
                (occ.id, member_id, f"snooze{count}", now)
                for member_id, count in store.due_snoozes(self.db, occ.id, now)
                if member_id in waiting_ids
            ]
            escalation = self.policy.latest(self.policy.escalations(occ.due_at), now)
            if escalation is not None and waiting:
                rows += [
                    (occ.id, leader.id, escalation, now)
                    for leader in self._escalation_recipients(waiting)
                ]
        store.add_deliveries(self.db, rows)

    def members_not_done(self, occ: Occurrence) -> list[MemberRow]:
        """Active, reachable members of the occurrence's groups who have not finished."""
        return store.members_not_done(self.db, occ, self.whole_group)

    def is_done(self, occurrence_id: int, member: MemberRow) -> bool:
        return store.is_done(self.db, occurrence_id, member, self.whole_group)

    def late_for_leader(self, occ: Occurrence, leader_id: str) -> list[tuple[str, list[str]]]:
        """(group name, late members' names) in the groups a leader watches, by group id."""
        leader = store.member(self.db, leader_id)
        watched = store.watched_groups(self.db, leader.group_id) if leader else set()
        late: dict[str, list[str]] = defaultdict(list)
        for member in self.members_not_done(occ):
            if member.group_id in watched:
                late[member.group_id].append(member.name)
        return [(store.group_name(self.db, gid), names) for gid, names in sorted(late.items())]

    def _escalation_recipients(self, waiting: list[MemberRow]) -> list[MemberRow]:
        """Leaders of groups with late members, and leaders of the parent unit's groups."""
        late_groups = {member.group_id for member in waiting}
        groups = set(late_groups)
        for group in late_groups:
            groups.update(store.parent_unit_groups(self.db, group))
        return store.leaders_of(self.db, sorted(groups))

    def next_wake(self, occurrences: list[Occurrence], now: datetime) -> datetime:
        """The earliest future reminder, escalation or snooze (a day away when none).

        New tasks and retries are picked up by the timer's safety tick in between.
        """
        candidates = []
        for occ in occurrences:
            plan = self.policy.reminders(occ.due_at) + self.policy.escalations(occ.due_at)
            candidates += [moment for _, moment in plan if moment > now]
        snooze_end = store.next_snooze_end(self.db, now)
        if snooze_end is not None:
            candidates.append(snooze_end)
        return self.policy.outside_quiet(min(candidates, default=now + timedelta(days=1)))
