"""The scheduler's SQLite tables and the queries on them.

The files describe units, groups, rosters and tasks; SQLite adds what happens at run time
(who joined from which chat, occurrences, completions, snoozes, deliveries) and is the
truth the reminder engine works from. Times are stored as UTC ISO strings so that they
sort and compare as text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils

from bot.storage import migrate
from bot.yaml_lines import Problem
from scheduler.files import load_roster
from scheduler.model import LEADER, Roster

COMPONENT = "scheduler"
FILE, CHAT = "file", "chat"  # where a member or task came from


def _v1_tables(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE units (id TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT NOT NULL,
                            parent TEXT);
        CREATE TABLE work_groups (id TEXT PRIMARY KEY, name TEXT NOT NULL, unit TEXT NOT NULL,
                                  join_code TEXT NOT NULL UNIQUE);
        CREATE TABLE members (id TEXT PRIMARY KEY, group_id TEXT NOT NULL, name TEXT NOT NULL,
                              role TEXT NOT NULL DEFAULT 'member', phone TEXT,
                              channel TEXT, chat_id TEXT, active INTEGER NOT NULL DEFAULT 1,
                              source TEXT NOT NULL);
        CREATE INDEX members_chat ON members (channel, chat_id);
        CREATE INDEX members_group ON members (group_id);
        CREATE TABLE tasks (id TEXT PRIMARY KEY, title TEXT NOT NULL, description TEXT,
                            legal_basis TEXT, due_time TEXT NOT NULL, recurrence TEXT NOT NULL,
                            groups TEXT NOT NULL, units TEXT NOT NULL, source TEXT NOT NULL,
                            active INTEGER NOT NULL DEFAULT 1);
        CREATE TABLE occurrences (id INTEGER PRIMARY KEY, task_id TEXT NOT NULL,
                                  due_at TEXT NOT NULL, UNIQUE (task_id, due_at));
        CREATE TABLE completions (occurrence_id INTEGER NOT NULL, member_id TEXT NOT NULL,
                                  group_id TEXT NOT NULL, done_at TEXT NOT NULL,
                                  PRIMARY KEY (occurrence_id, member_id));
        CREATE TABLE snoozes (occurrence_id INTEGER NOT NULL, member_id TEXT NOT NULL,
                              until TEXT NOT NULL, count INTEGER NOT NULL,
                              PRIMARY KEY (occurrence_id, member_id));
        CREATE TABLE deliveries (id INTEGER PRIMARY KEY, occurrence_id INTEGER NOT NULL,
                                 member_id TEXT NOT NULL, kind TEXT NOT NULL,
                                 status TEXT NOT NULL DEFAULT 'pending',
                                 created_at TEXT NOT NULL, sent_at TEXT, detail TEXT,
                                 UNIQUE (occurrence_id, member_id, kind));
        CREATE INDEX deliveries_status ON deliveries (status);
        """
    )


MIGRATIONS = [_v1_tables]


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create or upgrade the scheduler tables; safe to call on every start."""
    migrate(db, COMPONENT, MIGRATIONS)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class MemberRow:
    id: str
    group_id: str
    name: str
    role: str
    channel: str | None
    chat_id: str | None


def sync_roster(db: sqlite_utils.Database, roster: Roster) -> None:
    """Mirror the files into SQLite in one transaction, keeping chat joins and chat tasks.

    Members and tasks that came from chat commands are kept; file members removed from
    the files are deleted, file tasks removed are deactivated (their history stays).
    """
    with db.conn:
        db.execute("DELETE FROM units")
        db["units"].insert_all(
            (
                {"id": u.id, "name": u.name, "level": u.level, "parent": u.parent}
                for u in roster.units.values()
            ),
        )
        db.execute("DELETE FROM work_groups")
        db["work_groups"].insert_all(
            (
                {"id": g.id, "name": g.name, "unit": g.unit, "join_code": g.join_code}
                for g in roster.groups.values()
            ),
        )
        _sync_members(db, roster)
        _sync_tasks(db, roster)


def _sync_members(db: sqlite_utils.Database, roster: Roster) -> None:
    keep = []
    for group in roster.groups.values():
        for m in group.members:
            keep.append(m.id)
            db.execute(
                """INSERT INTO members (id, group_id, name, role, phone, source)
                   VALUES (?, ?, ?, ?, ?, 'file')
                   ON CONFLICT (id) DO UPDATE SET group_id = excluded.group_id,
                     name = excluded.name, role = excluded.role, phone = excluded.phone""",
                [m.id, group.id, m.name, m.role, m.phone],
            )
    placeholders = ",".join("?" * len(keep)) or "''"
    db.execute(f"DELETE FROM members WHERE source = 'file' AND id NOT IN ({placeholders})", keep)


def _sync_tasks(db: sqlite_utils.Database, roster: Roster) -> None:
    db.execute("UPDATE tasks SET active = 0 WHERE source = 'file'")
    for task in roster.tasks.values():
        upsert_task(db, task_record(task, FILE))


def task_record(task, source: str) -> dict:
    recurrence = task.recurrence
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "legal_basis": task.legal_basis,
        "due_time": task.due_time.strftime("%H:%M"),
        "recurrence": json.dumps(
            {
                "kind": recurrence.kind,
                "on": recurrence.on.isoformat() if recurrence.on else None,
                "day": recurrence.day,
                "quarter_month": recurrence.quarter_month,
                "cron": recurrence.cron,
            }
        ),
        "groups": json.dumps(list(task.groups)),
        "units": json.dumps(list(task.units)),
        "source": source,
        "active": 1,
    }


def upsert_task(db: sqlite_utils.Database, record: dict) -> None:
    db["tasks"].upsert(record, pk="id")


def resolve_target(db: sqlite_utils.Database, text: str) -> str | None:
    """The group or unit an admin means: its id, or a group's join code in any case
    (the code is what admins see and hand out; ids live in the files)."""
    for table in ("work_groups", "units"):
        if db.execute(f"SELECT 1 FROM {table} WHERE id = ?", [text]).fetchone() is not None:
            return text
    row = db.execute(
        "SELECT id FROM work_groups WHERE join_code = ?", [text.strip().upper()]
    ).fetchone()
    return row[0] if row else None


def groups_under(db: sqlite_utils.Database, unit_ids: Iterable[str]) -> set[str]:
    """Every group attached to these units or to any unit below them."""
    ids = list(unit_ids)
    rows = db.execute(
        f"""WITH RECURSIVE tree(id) AS (
              SELECT id FROM units WHERE id IN ({",".join("?" * len(ids))})
              UNION SELECT units.id FROM units JOIN tree ON units.parent = tree.id)
            SELECT work_groups.id FROM work_groups JOIN tree ON work_groups.unit = tree.id""",
        ids,
    ).fetchall()
    return {row[0] for row in rows}


def leaders_of(db: sqlite_utils.Database, group_ids: Iterable[str]) -> list[MemberRow]:
    ids = list(group_ids)
    return _members(
        db,
        f"role = '{LEADER}' AND active = 1 AND chat_id IS NOT NULL "
        f"AND group_id IN ({','.join('?' * len(ids))})",
        ids,
    )


def parent_unit_groups(db: sqlite_utils.Database, group_id: str) -> list[str]:
    """Groups attached to the parent unit of `group_id`'s unit (one level up)."""
    rows = db.execute(
        """SELECT pg.id FROM work_groups g JOIN units u ON u.id = g.unit
           JOIN work_groups pg ON pg.unit = u.parent WHERE g.id = ?""",
        [group_id],
    ).fetchall()
    return [row[0] for row in rows]


def members_of_chat(db: sqlite_utils.Database, channel: str, chat_id: str) -> list[MemberRow]:
    return _members(db, "channel = ? AND chat_id = ? AND active = 1", [channel, chat_id])


def _members(db: sqlite_utils.Database, where: str, params: list) -> list[MemberRow]:
    rows = db.execute(
        f"SELECT id, group_id, name, role, channel, chat_id FROM members WHERE {where}", params
    ).fetchall()
    return [MemberRow(*row) for row in rows]


def join_by_code(
    db: sqlite_utils.Database, code: str, channel: str, chat_id: str, name: str
) -> tuple[str, bool] | None:
    """Add this chat to the group with `code`; returns (group name, newly joined) or None."""
    group = db.execute(
        "SELECT id, name FROM work_groups WHERE join_code = ?", [code.strip().upper()]
    ).fetchone()
    if group is None:
        return None
    existing = db.execute(
        "SELECT id, active FROM members WHERE group_id = ? AND channel = ? AND chat_id = ?",
        [group[0], channel, chat_id],
    ).fetchone()
    with db.conn:
        if existing is not None:
            db.execute("UPDATE members SET active = 1 WHERE id = ?", [existing[0]])
            return group[1], not existing[1]
        db.execute(
            """INSERT INTO members (id, group_id, name, role, channel, chat_id, active, source)
               VALUES (?, ?, ?, 'member', ?, ?, 1, 'chat')""",
            [f"{group[0]}.{channel}.{chat_id}", group[0], name or chat_id, channel, chat_id],
        )
    return group[1], True


def join_by_phone(db: sqlite_utils.Database, phone: str, channel: str, chat_id: str) -> list[str]:
    """Link this chat to every roster entry with this phone; returns the groups' names."""
    with db.conn:
        db.execute(
            "UPDATE members SET channel = ?, chat_id = ?, active = 1 WHERE phone = ?",
            [channel, chat_id, phone],
        )
    rows = db.execute(
        """SELECT g.name FROM members m JOIN work_groups g ON g.id = m.group_id
           WHERE m.phone = ? ORDER BY g.name""",
        [phone],
    ).fetchall()
    return [row[0] for row in rows]


def leave(db: sqlite_utils.Database, channel: str, chat_id: str) -> int:
    """Stop all reminders to this chat: chat joins are removed, roster entries unlinked."""
    with db.conn:
        removed = db.execute(
            "DELETE FROM members WHERE source = 'chat' AND channel = ? AND chat_id = ?",
            [channel, chat_id],
        ).rowcount
        unlinked = db.execute(
            """UPDATE members SET channel = NULL, chat_id = NULL
               WHERE source = 'file' AND channel = ? AND chat_id = ?""",
            [channel, chat_id],
        ).rowcount
    return removed + unlinked


def load_files_into(
    db: sqlite_utils.Database,
    paths: Iterable[str | Path],
    levels: Iterable[str],
    default_time: str,
    tz: ZoneInfo,
) -> list[Problem]:
    """Validate all files and, only if every one is clean, replace what SQLite serves.

    Returns the problems; on any problem the database keeps the previously loaded data.
    """
    roster, problems = load_roster(paths, levels, default_time, tz)
    if roster is not None:
        sync_roster(db, roster)
    return problems
