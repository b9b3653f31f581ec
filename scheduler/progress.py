"""Working groups' progress for admins: each member's state on each current occurrence.

Read-only views over the engine's own queries (`open_occurrences`, `members_not_done`),
so the web console and its CSV export say exactly what `/tiendo` and the reminders act on.
Phone numbers never leave the database here: only names and roles.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.outbox import OUTSIDE_WINDOW, REFUSED
from scheduler.model import LEADER
from scheduler.service import Occurrence, ReminderService

LIST_AHEAD = timedelta(days=45)  # how far ahead the console looks, like /tiendo
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
    rows = service.db.execute(
        """SELECT g.id, g.name, coalesce(u.name, g.unit) FROM work_groups g
           LEFT JOIN units u ON u.id = g.unit ORDER BY u.name, g.name"""
    ).fetchall()
    return [
        GroupRow(gid, name, unit, _leaders(service, gid), service.reachable_members(gid))
        for gid, name, unit in rows
    ]


def _leaders(service: ReminderService, group_id: str) -> tuple[str, ...]:
    rows = service.db.execute(
        "SELECT name FROM members WHERE group_id = ? AND role = ? AND active = 1 ORDER BY name",
        [group_id, LEADER],
    ).fetchall()
    return tuple(row[0] for row in rows)


def tasks(service: ReminderService) -> list[TaskRow]:
    """Every task, from the files or created in chat."""
    rows = service.db.execute(
        "SELECT id, title, recurrence, groups, units, active FROM tasks ORDER BY title"
    ).fetchall()
    return [
        TaskRow(tid, title, json.loads(rec).get("kind", ""),
                (*json.loads(gs), *json.loads(us)), bool(active))
        for tid, title, rec, gs, us, active in rows
    ]  # fmt: skip


def group_progress(service: ReminderService, group_id: str, now: datetime) -> list[MemberState]:
    """Each reachable member's state on each current occurrence that concerns the group."""
    members = service.db.execute(
        """SELECT id, name, role FROM members WHERE group_id = ? AND active = 1
           AND chat_id IS NOT NULL ORDER BY name""",
        [group_id],
    ).fetchall()
    states = []
    for occ in service.open_occurrences(now, ahead=LIST_AHEAD):
        if group_id not in occ.group_ids:
            continue
        waiting = {m["id"] for m in service.members_not_done(occ)}
        unreached = _unreached(service, occ.id)
        for member_id, name, role in members:
            states.append(MemberState(occ, name, role, _status(
                member_id in waiting, member_id in unreached, occ.due_at < now)))
    return states


def _status(waiting: bool, unreached: bool, past_due: bool) -> str:
    if not waiting:
        return DONE
    if unreached:
        return UNREACHED
    return LATE if past_due else PENDING


def _unreached(service: ReminderService, occurrence_id: int) -> set[str]:
    rows = service.db.execute(
        "SELECT DISTINCT member_id FROM deliveries WHERE occurrence_id = ? AND status IN (?, ?)",
        [occurrence_id, REFUSED, OUTSIDE_WINDOW],
    ).fetchall()
    return {row[0] for row in rows}


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
