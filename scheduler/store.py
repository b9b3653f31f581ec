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
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils

from foundations.database import migrate
from foundations.yaml_lines import Problem
from scheduler.files import load_roster, parse_time
from scheduler.model import LEADER, Recurrence, Roster

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
    active: bool = True


@dataclass(frozen=True)
class Occurrence:
    """One due moment of a task, with every group it concerns (units resolved to groups)."""

    id: int
    task_id: str
    title: str
    description: str
    legal_basis: str
    due_at: datetime
    group_ids: frozenset[str]


@dataclass(frozen=True)
class Pending:
    """A delivery planned and not sent yet."""

    id: int
    occurrence_id: int
    member_id: str
    kind: str


@dataclass(frozen=True)
class TaskSchedule:
    """What planning needs of an active task to place its occurrences in time."""

    id: str
    due_time: time | None
    recurrence: Recurrence


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
        f"SELECT id, group_id, name, role, channel, chat_id, active FROM members WHERE {where}",
        params,
    ).fetchall()
    return [MemberRow(*row[:6], bool(row[6])) for row in rows]


def member(db: sqlite_utils.Database, member_id: str) -> MemberRow | None:
    """One member, active or not, linked to a chat or not."""
    found = _members(db, "id = ?", [member_id])
    return found[0] if found else None


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


# -- tasks and occurrences -----------------------------------------------------------------


def active_schedules(db: sqlite_utils.Database) -> list[TaskSchedule]:
    """The active tasks' due times and recurrences (as `task_record` stored them)."""
    rows = db.execute("SELECT id, due_time, recurrence FROM tasks WHERE active = 1").fetchall()
    return [TaskSchedule(row[0], parse_time(row[1]), _recurrence(row[2])) for row in rows]


def _recurrence(text: str) -> Recurrence:
    data = json.loads(text)
    on = date.fromisoformat(data["on"]) if data.get("on") else None
    return Recurrence(data["kind"], on, data["day"], data["quarter_month"], data["cron"])


def add_occurrences(db: sqlite_utils.Database, due: Iterable[tuple[str, datetime]]) -> None:
    """Record (task id, due moment) pairs; ones already recorded are left as they are."""
    with db.conn:
        db.conn.executemany(
            "INSERT OR IGNORE INTO occurrences (task_id, due_at) VALUES (?, ?)",
            [(task_id, iso(due_at)) for task_id, due_at in due],
        )


_OCCURRENCE_COLUMNS = """o.id, o.task_id, t.title, t.description, t.legal_basis, o.due_at,
                         t.groups, t.units
                         FROM occurrences o JOIN tasks t ON t.id = o.task_id"""


def occurrences_between(
    db: sqlite_utils.Database, start: datetime, end: datetime
) -> list[Occurrence]:
    """Active tasks' occurrences due in [start, end], earliest first."""
    rows = db.execute(
        f"""SELECT {_OCCURRENCE_COLUMNS}
            WHERE t.active = 1 AND o.due_at >= ? AND o.due_at <= ? ORDER BY o.due_at""",
        [iso(start), iso(end)],
    ).fetchall()
    return [_occurrence(db, row) for row in rows]


def occurrence(db: sqlite_utils.Database, occurrence_id: int) -> Occurrence | None:
    row = db.execute(
        f"SELECT {_OCCURRENCE_COLUMNS} WHERE o.id = ?", [occurrence_id]
    ).fetchone()
    return _occurrence(db, row) if row else None


def _occurrence(db: sqlite_utils.Database, row: tuple) -> Occurrence:
    groups = set(json.loads(row[6])) | groups_under(db, json.loads(row[7]))
    return Occurrence(
        row[0], row[1], row[2], row[3] or "", row[4] or "", from_iso(row[5]), frozenset(groups)
    )


def is_group(db: sqlite_utils.Database, ident: str) -> bool:
    return db.execute("SELECT 1 FROM work_groups WHERE id = ?", [ident]).fetchone() is not None


def count_tasks(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]


# -- members, groups and completion --------------------------------------------------------


def members_not_done(
    db: sqlite_utils.Database, occ: Occurrence, whole_group: bool
) -> list[MemberRow]:
    """Active, reachable members of the occurrence's groups who have not finished; with
    `whole_group`, one member's completion counts for the group."""
    if not occ.group_ids:
        return []
    marks = ",".join("?" * len(occ.group_ids))
    done = "group_id" if whole_group else "id"
    completed = "group_id" if whole_group else "member_id"
    return _members(
        db,
        f"""group_id IN ({marks}) AND active = 1 AND chat_id IS NOT NULL
            AND {done} NOT IN (SELECT {completed} FROM completions WHERE occurrence_id = ?)
            ORDER BY group_id, name""",
        [*sorted(occ.group_ids), occ.id],
    )


def is_done(
    db: sqlite_utils.Database, occurrence_id: int, who: MemberRow, whole_group: bool
) -> bool:
    """Whether `who` (or, with `whole_group`, anyone of their group) finished the occurrence."""
    column, key = ("group_id", who.group_id) if whole_group else ("member_id", who.id)
    row = db.execute(
        f"SELECT 1 FROM completions WHERE occurrence_id = ? AND {column} = ?",
        [occurrence_id, key],
    ).fetchone()
    return row is not None


def mark_done(db: sqlite_utils.Database, occurrence_id: int, member_id: str, at: datetime) -> bool:
    """Record completion; False when the member is unknown or it was already recorded."""
    group = db.execute("SELECT group_id FROM members WHERE id = ?", [member_id]).fetchone()
    if group is None:
        return False
    with db.conn:
        cursor = db.execute(
            """INSERT OR IGNORE INTO completions (occurrence_id, member_id, group_id, done_at)
               VALUES (?, ?, ?, ?)""",
            [occurrence_id, member_id, group[0], iso(at)],
        )
    return cursor.rowcount == 1


def deactivate_chat(db: sqlite_utils.Database, channel: str, chat_id: str) -> None:
    """Stop reminding a chat (it blocked the bot) in every group it joined."""
    with db.conn:
        db.execute(
            "UPDATE members SET active = 0 WHERE channel = ? AND chat_id = ?", [channel, chat_id]
        )


def group_name(db: sqlite_utils.Database, group_id: str) -> str:
    row = db.execute("SELECT name FROM work_groups WHERE id = ?", [group_id]).fetchone()
    return row[0] if row else group_id


def watched_groups(db: sqlite_utils.Database, group_id: str) -> set[str]:
    """A leader watches their own group and the groups of the units directly below."""
    rows = db.execute(
        """SELECT cg.id FROM work_groups g JOIN units child ON child.parent = g.unit
           JOIN work_groups cg ON cg.unit = child.id WHERE g.id = ?""",
        [group_id],
    ).fetchall()
    return {group_id, *(row[0] for row in rows)}


def reachable_members(db: sqlite_utils.Database, group_id: str) -> list[MemberRow]:
    """Members of a group who receive reminders (active, linked to a chat), by name."""
    return _members(
        db, "group_id = ? AND active = 1 AND chat_id IS NOT NULL ORDER BY name", [group_id]
    )


# -- snoozes -------------------------------------------------------------------------------


def snooze(
    db: sqlite_utils.Database, occurrence_id: int, member_id: str, until: datetime
) -> None:
    """Remind this member of the occurrence again at `until`, counting the snoozes."""
    with db.conn:
        db.execute(
            """INSERT INTO snoozes (occurrence_id, member_id, until, count) VALUES (?, ?, ?, 1)
               ON CONFLICT (occurrence_id, member_id)
               DO UPDATE SET until = excluded.until, count = count + 1""",
            [occurrence_id, member_id, iso(until)],
        )


def due_snoozes(
    db: sqlite_utils.Database, occurrence_id: int, now: datetime
) -> list[tuple[str, int]]:
    """(member id, how many snoozes) of the snoozes of an occurrence that have run out."""
    return db.execute(
        "SELECT member_id, count FROM snoozes WHERE occurrence_id = ? AND until <= ?",
        [occurrence_id, iso(now)],
    ).fetchall()


def next_snooze_end(db: sqlite_utils.Database, now: datetime) -> datetime | None:
    row = db.execute("SELECT MIN(until) FROM snoozes WHERE until > ?", [iso(now)]).fetchone()
    return from_iso(row[0]) if row and row[0] else None


# -- deliveries ----------------------------------------------------------------------------


def add_deliveries(db: sqlite_utils.Database, rows: list[tuple[int, str, str, datetime]]) -> None:
    """Plan (occurrence, member, kind, created) deliveries; a planned kind is never added twice."""
    with db.conn:
        db.conn.executemany(
            """INSERT OR IGNORE INTO deliveries (occurrence_id, member_id, kind, created_at)
               VALUES (?, ?, ?, ?)""",
            [(occ, member_id, kind, iso(at)) for occ, member_id, kind, at in rows],
        )


def pending_deliveries(db: sqlite_utils.Database) -> list[Pending]:
    """Planned, unsent deliveries in planning order."""
    rows = db.execute(
        """SELECT id, occurrence_id, member_id, kind FROM deliveries
           WHERE status = 'pending' ORDER BY id"""
    ).fetchall()
    return [Pending(*row) for row in rows]


def set_delivery_status(
    db: sqlite_utils.Database,
    ids: list[int],
    status: str,
    sent_at: datetime | None = None,
    detail: str | None = None,
) -> None:
    if not ids:
        return
    sent = iso(sent_at) if sent_at else None
    with db.conn:
        db.conn.executemany(
            "UPDATE deliveries SET status = ?, sent_at = ?, detail = ? WHERE id = ?",
            [(status, sent, detail, i) for i in ids],
        )


def undelivered_before(db: sqlite_utils.Database, ids: list[int], statuses: Iterable[str]) -> bool:
    """Whether a delivery of the same occurrence and member as one of `ids` already ended
    in one of `statuses` (so a leader hears once per task, not at every reminder kind)."""
    marks, kinds = ",".join("?" * len(ids)), list(statuses)
    row = db.execute(
        f"""SELECT 1 FROM deliveries d JOIN deliveries mine
              ON mine.occurrence_id = d.occurrence_id AND mine.member_id = d.member_id
            WHERE mine.id IN ({marks}) AND d.status IN ({",".join("?" * len(kinds))}) LIMIT 1""",
        [*ids, *kinds],
    ).fetchone()
    return row is not None


def undelivered_count(
    db: sqlite_utils.Database, occurrence_id: int, group_id: str, status: str
) -> int:
    """Members of a group whose deliveries for an occurrence ended in `status`."""
    return db.execute(
        """SELECT COUNT(DISTINCT d.member_id) FROM deliveries d
           JOIN members m ON m.id = d.member_id
           WHERE d.occurrence_id = ? AND m.group_id = ? AND d.status = ?""",
        [occurrence_id, group_id, status],
    ).fetchone()[0]


def undelivered_members(
    db: sqlite_utils.Database, occurrence_id: int, statuses: Iterable[str]
) -> set[str]:
    """Members whose deliveries for an occurrence ended in one of `statuses`."""
    kinds = list(statuses)
    rows = db.execute(
        f"""SELECT DISTINCT member_id FROM deliveries
            WHERE occurrence_id = ? AND status IN ({",".join("?" * len(kinds))})""",
        [occurrence_id, *kinds],
    ).fetchall()
    return {row[0] for row in rows}


# -- the web console's lists ---------------------------------------------------------------


def groups_with_units(db: sqlite_utils.Database) -> list[tuple[str, str, str]]:
    """(id, name, unit's name) of every working group, by unit then name."""
    return db.execute(
        """SELECT g.id, g.name, coalesce(u.name, g.unit) FROM work_groups g
           LEFT JOIN units u ON u.id = g.unit ORDER BY u.name, g.name"""
    ).fetchall()


def leader_names(db: sqlite_utils.Database, group_id: str) -> tuple[str, ...]:
    """Active leaders of a group, linked to a chat or not."""
    rows = db.execute(
        "SELECT name FROM members WHERE group_id = ? AND role = ? AND active = 1 ORDER BY name",
        [group_id, LEADER],
    ).fetchall()
    return tuple(row[0] for row in rows)


def task_summaries(db: sqlite_utils.Database) -> list[tuple[str, str, str, tuple[str, ...], bool]]:
    """(id, title, recurrence kind, groups and units, active) of every task, by title."""
    rows = db.execute(
        "SELECT id, title, recurrence, groups, units, active FROM tasks ORDER BY title"
    ).fetchall()
    return [
        (tid, title, json.loads(rec).get("kind", ""), (*json.loads(gs), *json.loads(us)),
         bool(active))
        for tid, title, rec, gs, us, active in rows
    ]  # fmt: skip
