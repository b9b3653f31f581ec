"""What the conversation may ask of the scheduler: the officials' commands as functions.

handlers/officials.py turns what an official typed or pressed into one call here and the
returned values into Vietnamese replies; it never touches SQLite or the engine. A chat is
named by (channel, chat_id): one chat may be a member of several groups.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler import store
from scheduler.app import Officials
from scheduler.files import normalize_phone
from scheduler.messages import UNDELIVERED_REASONS
from scheduler.model import LEADER, Recurrence, TaskDef
from scheduler.store import CHAT, MemberRow, Occurrence

LIST_AHEAD = timedelta(days=45)  # how far ahead listings (/nhiemvu, /tiendo, the console) look


@dataclass(frozen=True)
class Joined:
    group: str  # the group's name
    new: bool  # False when this chat was in the group already


@dataclass(frozen=True)
class OpenTask:
    title: str
    due: str  # "17:00 ngày 15/08/2025"


@dataclass(frozen=True)
class GroupProgress:
    name: str
    done: int
    total: int  # members who receive reminders
    undelivered: tuple[tuple[str, int], ...]  # (why, how many members), only non-zero


@dataclass(frozen=True)
class TaskProgress:
    title: str
    due: str
    groups: tuple[GroupProgress, ...]


@dataclass(frozen=True)
class Pressed:
    title: str
    again_at: datetime | None = None  # a snooze: when the reminder comes back (local time)


def join_by_code(
    officials: Officials, channel: str, chat_id: str, code: str, name: str
) -> Joined | None:
    """Join the group whose join code is `code` (any case); None when no group has it."""
    joined = store.join_by_code(officials.db, code, channel, chat_id, name)
    return Joined(*joined) if joined else None


def join_by_phone(officials: Officials, channel: str, chat_id: str, phone: str) -> list[str] | None:
    """Link this chat to the roster entries with this phone: the groups' names (none when
    the phone is in no roster); None when `phone` is not a phone number."""
    normalized = normalize_phone(phone)
    if normalized is None:
        return None
    return store.join_by_phone(officials.db, normalized, channel, chat_id)


def leave(officials: Officials, channel: str, chat_id: str) -> bool:
    """Stop every reminder to this chat; False when it was in no group."""
    return store.leave(officials.db, channel, chat_id) > 0


def is_member(officials: Officials, channel: str, chat_id: str) -> bool:
    return bool(_me(officials, channel, chat_id))


def open_tasks(officials: Officials, channel: str, chat_id: str) -> list[OpenTask]:
    """This chat's unfinished tasks due within `LIST_AHEAD`, earliest first."""
    my_ids = {member.id for member in _me(officials, channel, chat_id)}
    planner = officials.service.planner
    return [
        OpenTask(occ.title, officials.format_due(occ.due_at))
        for occ in planner.open_occurrences(officials.now(), ahead=LIST_AHEAD)
        if any(member.id in my_ids for member in planner.members_not_done(occ))
    ]


def is_leader(officials: Officials, channel: str, chat_id: str) -> bool:
    return any(member.role == LEADER for member in _me(officials, channel, chat_id))


def progress(officials: Officials, channel: str, chat_id: str) -> list[TaskProgress]:
    """Completion of current tasks in the groups this chat leads and the groups of the
    units directly below; empty for a chat that leads no group."""
    db = officials.db
    leading = [member for member in _me(officials, channel, chat_id) if member.role == LEADER]
    watched = set().union(*(store.watched_groups(db, m.group_id) for m in leading))
    return [
        _task_progress(officials, occ, watched)
        for occ in officials.service.planner.open_occurrences(officials.now(), ahead=LIST_AHEAD)
        if occ.group_ids & watched
    ]


def _task_progress(officials: Officials, occ: Occurrence, watched: set[str]) -> TaskProgress:
    db = officials.db
    late = Counter(m.group_id for m in officials.service.planner.members_not_done(occ))
    groups = []
    for group_id in sorted(occ.group_ids & watched):
        total = len(store.reachable_members(db, group_id))
        undelivered = (
            (reason, store.undelivered_count(db, occ.id, group_id, status))
            for status, reason in UNDELIVERED_REASONS.items()
        )
        groups.append(GroupProgress(
            store.group_name(db, group_id), total - late[group_id], total,
            tuple((reason, count) for reason, count in undelivered if count),
        ))  # fmt: skip
    return TaskProgress(occ.title, officials.format_due(occ.due_at), tuple(groups))


def press_done(
    officials: Officials, channel: str, chat_id: str, occurrence_id: int
) -> Pressed | None:
    """✅ on a reminder: done for each of this chat's memberships the task concerns; None
    when the task is no longer assigned to this chat."""
    assigned = _assigned(officials, channel, chat_id, occurrence_id)
    if assigned is None:
        return None
    occ, mine = assigned
    for member in mine:
        store.mark_done(officials.db, occ.id, member.id, officials.now())
    return Pressed(occ.title)


def press_snooze(
    officials: Officials, channel: str, chat_id: str, occurrence_id: int
) -> Pressed | None:
    """⏰ on a reminder: remind again after the snooze delay, outside quiet hours."""
    assigned = _assigned(officials, channel, chat_id, occurrence_id)
    if assigned is None:
        return None
    occ, mine = assigned
    until = officials.service.policy.snooze_until(officials.now())
    for member in mine:
        store.snooze(officials.db, occ.id, member.id, until)
    officials.timer.poke()
    return Pressed(occ.title, until.astimezone(officials.tz))


def resolve_target(officials: Officials, text: str) -> str | None:
    """The group or unit an admin means (see `store.resolve_target`)."""
    return store.resolve_target(officials.db, text)


def create_task(
    officials: Officials, targets: list[str], due_at: datetime, title: str, legal_basis: str = ""
) -> str:
    """A one-off task from an admin's chat command; kept across file reloads."""
    db = officials.db
    groups = [t for t in targets if store.is_group(db, t)]
    units = [t for t in targets if t not in groups]
    slug = re.sub(r"[^a-z0-9]+", "-", due_at.strftime("%Y%m%d%H%M")).strip("-")
    task_id = f"chat-{slug}-{store.count_tasks(db) + 1}"
    task = TaskDef(
        task_id,
        title,
        Recurrence("once", on=due_at.date()),
        due_at.timetz().replace(tzinfo=None),
        "",
        legal_basis,
        tuple(groups),
        tuple(units),
    )
    store.upsert_task(db, store.task_record(task, CHAT))
    officials.timer.poke()
    return task_id


def _me(officials: Officials, channel: str, chat_id: str) -> list[MemberRow]:
    return store.members_of_chat(officials.db, channel, chat_id)


def _assigned(
    officials: Officials, channel: str, chat_id: str, occurrence_id: int
) -> tuple[Occurrence, list[MemberRow]] | None:
    """The occurrence and this chat's memberships in the groups it concerns, if any."""
    occ = store.occurrence(officials.db, occurrence_id)
    if occ is None:
        return None
    mine = [m for m in _me(officials, channel, chat_id) if m.group_id in occ.group_ids]
    return (occ, mine) if mine else None
