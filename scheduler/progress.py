"""Working groups' progress for admins: each member's state on each current occurrence.

Read-only views over the planner's own queries (`open_occurrences`, `members_not_done`)
and the store, so the web console and its CSV export say exactly what `/tiendo` and the
reminders act on.
Phone numbers never leave the database here: only names and roles.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from scheduler import store
from scheduler.api import LIST_AHEAD
from scheduler.delivery import ReminderService
from scheduler.messages import UNDELIVERED_REASONS
from scheduler.model import LEADER
from scheduler.store import Occurrence

DONE, PENDING, LATE, UNREACHED = "done", "pending", "late", "refused"
STATUS_LABELS = {
    DONE: "đã hoàn thành", PENDING: "đang chờ", LATE: "quá hạn",
    UNREACHED: "không nhận được nhắc việc",
}  # fmt: skip


@dataclass(frozen=True)
class GroupRow:
    id: str
    name: str
    unit: str
    leaders: tuple[str, ...]
    members: int


@dataclass(frozen=True)
class TaskRow:
    id: str
    title: str
    recurrence: str
    targets: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class MemberState:
    occurrence: Occurrence
    member: str
    role: str
    status: str

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def groups(service: ReminderService) -> list[GroupRow]:
    """Every working group with its unit's name, its leaders and its reachable members."""
    db = service.db
    return [
        GroupRow(gid, name, unit, store.leader_names(db, gid),
                 len(store.reachable_members(db, gid)))
        for gid, name, unit in store.groups_with_units(db)
    ]  # fmt: skip


def tasks(service: ReminderService) -> list[TaskRow]:
    """Every task, from the files or created in chat."""
    return [TaskRow(*row) for row in store.task_summaries(service.db)]


def group_progress(service: ReminderService, group_id: str, now: datetime) -> list[MemberState]:
    """Each reachable member's state on each current occurrence that concerns the group."""
    members = store.reachable_members(service.db, group_id)
    planner = service.planner
    states = []
    for occ in planner.open_occurrences(now, ahead=LIST_AHEAD):
        if group_id not in occ.group_ids:
            continue
        waiting = {m.id for m in planner.members_not_done(occ)}
        unreached = store.undelivered_members(service.db, occ.id, UNDELIVERED_REASONS)
        for member in members:
            states.append(MemberState(occ, member.name, member.role, _status(
                member.id in waiting, member.id in unreached, occ.due_at < now)))
    return states


def _status(waiting: bool, unreached: bool, past_due: bool) -> str:
    if not waiting:
        return DONE
    if unreached:
        return UNREACHED
    return LATE if past_due else PENDING


def progress_csv(service: ReminderService, states: list[MemberState]) -> str:
    """One row per member and occurrence, for a spreadsheet; headers in Vietnamese."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Nhiệm vụ", "Hạn", "Cán bộ", "Vai trò", "Tình trạng"])
    for state in states:
        writer.writerow([state.occurrence.title, service.format_due(state.occurrence.due_at),
                         state.member, "tổ trưởng" if state.role == LEADER else "thành viên",
                         state.label])  # fmt: skip
    return out.getvalue()
