"""The reminder engine: decide from SQLite what is due, send it through the outbox once.

Each `tick` (driven by `scheduler.timer`, or by tests with a manual clock):
1. materialises the occurrences of active tasks near now;
2. plans deliveries: for every member not done, the latest reminder kind whose time has
   come (older kinds are superseded, so a restart after downtime sends one reminder, not a
   burst), due snoozes, and escalations to leaders — inserted with INSERT OR IGNORE under
   UNIQUE(occurrence, member, kind), so planning twice never duplicates;
3. sends each member's pending deliveries as one message, marking them sent only when the
   platform accepted it.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlite_utils

from bot.clock import Clock
from bot.outbox import (
    BLOCKED,
    BULK,
    OUTSIDE_WINDOW,
    REFUSED,
    SENT,
    UNCONFIRMED,
    Outbox,
    Outcome,
    Outgoing,
)
from handlers.types import Button, Reply
from scheduler.files import parse_time
from scheduler.model import Recurrence
from scheduler.policy import ESCALATE, ReminderPolicy
from scheduler.store import from_iso, groups_under, iso, leaders_of, parent_unit_groups

log = logging.getLogger(__name__)

DONE_BUTTON = "✅ Đã hoàn thành"
SNOOZE_BUTTON = "⏰ Nhắc lại sau"
BUTTON_PREFIX = "nv"  # payloads "nv:done:<occurrence>" and "nv:snooze:<occurrence>"
MEMBER_SCOPE, GROUP_SCOPE = "member", "group"
# Why a reminder did not reach a member, as leaders read it (/tiendo, the notice).
UNDELIVERED_REASONS = {
    REFUSED: "nền tảng từ chối",
    OUTSIDE_WINDOW: "ngoài 48 giờ nhắn miễn phí của Zalo OA",
}
UNDELIVERED_ADVICE = {
    REFUSED: "Đề nghị nhắc trực tiếp.",
    OUTSIDE_WINDOW: "Thành viên chưa nhắn cho OA trong 48 giờ qua. Đề nghị nhắc trực tiếp và "
    "đề nghị thành viên nhắn một tin bất kỳ cho OA để nhận các nhắc việc sau.",
}


@dataclass(frozen=True)
class Occurrence:
    id: int
    task_id: str
    title: str
    description: str
    legal_basis: str
    due_at: datetime
    group_ids: frozenset[str]


@dataclass(frozen=True)
class Pending:
    id: int
    occurrence_id: int
    member_id: str
    kind: str


class ReminderService:
    """Plans and sends reminders and escalations; records done and snooze presses."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        outbox: Outbox,
        policy: ReminderPolicy,
        clock: Clock,
        done_scope: str = MEMBER_SCOPE,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.policy = policy
        self.clock = clock
        self.done_scope = done_scope
        self._in_flight: set[int] = set()  # delivery ids handed to the outbox by this process
        self.on_change: Callable[[], None] | None = None  # the timer reschedules on snooze

    # -- the tick -------------------------------------------------------------------

    async def tick(self) -> datetime:
        """Do everything due now; returns when the next tick is needed."""
        now = self.clock.now()
        occurrences = self.open_occurrences(now)
        if not self.policy.in_quiet(now):
            self._plan(occurrences, now)
            await self._send_pending(occurrences)
        return self._next_wake(occurrences, now)

    def open_occurrences(self, now: datetime, ahead: timedelta | None = None) -> list[Occurrence]:
        """Occurrences that may still need a reminder or escalation, created on first sight.

        `ahead` widens the look-ahead (for listings); reminders only need the first offset.
        """
        start = now - timedelta(days=self.policy.overdue_days + 2)
        end = now + max(ahead or timedelta(0), self.policy.earliest_lead())
        with self.db.conn:
            for task in self.db.execute(
                "SELECT id, due_time, recurrence FROM tasks WHERE active = 1"
            ).fetchall():
                for due_at in _recurrence(task[2]).due_dates(
                    start, end, parse_time(task[1]) or time(17, 0), self.policy.tz
                ):
                    self.db.execute(
                        "INSERT OR IGNORE INTO occurrences (task_id, due_at) VALUES (?, ?)",
                        [task[0], iso(due_at)],
                    )
        rows = self.db.execute(
            """SELECT o.id, o.task_id, t.title, t.description, t.legal_basis, o.due_at,
                      t.groups, t.units
               FROM occurrences o JOIN tasks t ON t.id = o.task_id
               WHERE t.active = 1 AND o.due_at >= ? AND o.due_at <= ? ORDER BY o.due_at""",
            [iso(start), iso(end)],
        ).fetchall()
        return [self._occurrence(row) for row in rows]

    def _occurrence(self, row: tuple) -> Occurrence:
        groups = set(json.loads(row[6])) | groups_under(self.db, json.loads(row[7]))
        return Occurrence(
            row[0], row[1], row[2], row[3] or "", row[4] or "", from_iso(row[5]), frozenset(groups)
        )

    def _plan(self, occurrences: list[Occurrence], now: datetime) -> None:
        rows: list[tuple[int, str, str, str]] = []
        created = iso(now)
        for occ in occurrences:
            if now > self.policy.relevant_until(occ.due_at):
                continue
            waiting = self.members_not_done(occ)
            kind = self.policy.latest(self.policy.reminders(occ.due_at), now)
            if kind is not None:
                rows += [(occ.id, member["id"], kind, created) for member in waiting]
            rows += [
                (occ.id, member_id, f"snooze{count}", created)
                for member_id, count in self._due_snoozes(occ.id, now)
                if any(m["id"] == member_id for m in waiting)
            ]
            escalation = self.policy.latest(self.policy.escalations(occ.due_at), now)
            if escalation is not None and waiting:
                rows += [
                    (occ.id, leader.id, escalation, created)
                    for leader in self._escalation_recipients(waiting)
                ]
        with self.db.conn:
            self.db.conn.executemany(
                """INSERT OR IGNORE INTO deliveries (occurrence_id, member_id, kind, created_at)
                   VALUES (?, ?, ?, ?)""",
                rows,
            )

    def members_not_done(self, occ: Occurrence) -> list[dict[str, Any]]:
        """Active, reachable members of the occurrence's groups who have not finished."""
        if not occ.group_ids:
            return []
        marks = ",".join("?" * len(occ.group_ids))
        done_clause = (
            "m.id IN (SELECT member_id FROM completions WHERE occurrence_id = ?)"
            if self.done_scope == MEMBER_SCOPE
            else "m.group_id IN (SELECT group_id FROM completions WHERE occurrence_id = ?)"
        )
        cursor = self.db.execute(
            f"""SELECT m.id, m.group_id, m.name, m.role FROM members m
                WHERE m.group_id IN ({marks}) AND m.active = 1 AND m.chat_id IS NOT NULL
                AND NOT {done_clause} ORDER BY m.group_id, m.name""",
            [*sorted(occ.group_ids), occ.id],
        )
        return [dict(zip(("id", "group_id", "name", "role"), row, strict=True)) for row in cursor]

    def _due_snoozes(self, occurrence_id: int, now: datetime) -> list[tuple[str, int]]:
        return self.db.execute(
            "SELECT member_id, count FROM snoozes WHERE occurrence_id = ? AND until <= ?",
            [occurrence_id, iso(now)],
        ).fetchall()

    def _escalation_recipients(self, waiting: list[dict[str, Any]]) -> list:
        """Leaders of groups with late members, and leaders of the parent unit's groups."""
        late_groups = {member["group_id"] for member in waiting}
        groups = set(late_groups)
        for group in late_groups:
            groups.update(parent_unit_groups(self.db, group))
        return leaders_of(self.db, sorted(groups))

    # -- sending --------------------------------------------------------------------

    async def _send_pending(self, occurrences: list[Occurrence]) -> None:
        by_id = {occ.id: occ for occ in occurrences}
        pending = [
            Pending(*row)
            for row in self.db.execute(
                """SELECT id, occurrence_id, member_id, kind FROM deliveries
                   WHERE status = 'pending' ORDER BY id"""
            ).fetchall()
            if row[0] not in self._in_flight
        ]
        by_member: dict[str, list[Pending]] = defaultdict(list)
        stale: list[int] = []
        for item in pending:
            if item.occurrence_id in by_id:
                by_member[item.member_id].append(item)
            else:
                stale.append(item.id)
        self._set_status(stale, "skipped")
        for member_id, items in by_member.items():
            await self._send_to_member(member_id, _latest_per_kind(items), by_id)

    async def _send_to_member(
        self, member_id: str, items: list[Pending], by_id: dict[int, Occurrence]
    ) -> None:
        member = self.db.execute(
            "SELECT name, channel, chat_id, active, group_id FROM members WHERE id = ?",
            [member_id],
        ).fetchone()
        keep = [p for p in items if p.kind != "superseded"]
        superseded = [p.id for p in items if p.kind == "superseded"]
        if member is None or not member[3] or member[2] is None:
            self._set_status([p.id for p in items], "skipped")
            return
        if not self.outbox.serves(member[1]):  # channel not configured now: keep pending
            return
        still_due = [p for p in keep if p.kind.startswith(ESCALATE) or self._not_done(p, member)]
        self._set_status(superseded + [p.id for p in keep if p not in still_due], "skipped")
        if not still_due:
            return
        reply = self._message(still_due, by_id)
        ids = [p.id for p in still_due]
        self._in_flight.update(ids)
        await self.outbox.submit(
            Outgoing(member[1], member[2], reply, BULK, self._recorder(ids, member_id))
        )

    def _not_done(self, item: Pending, member: tuple) -> bool:
        if self.done_scope == MEMBER_SCOPE:
            query, key = "member_id = ?", item.member_id
        else:
            query, key = "group_id = ?", member[4]
        row = self.db.execute(
            f"SELECT 1 FROM completions WHERE occurrence_id = ? AND {query}",
            [item.occurrence_id, key],
        ).fetchone()
        return row is None

    def _recorder(self, ids: list[int], member_id: str):
        async def record(outcome: Outcome) -> None:
            self._in_flight.difference_update(ids)
            if outcome.status == SENT:
                self._set_status(ids, SENT, sent_at=iso(self.clock.now()))
            elif outcome.status == BLOCKED:
                self._set_status(ids, BLOCKED, detail=outcome.detail)
                await self.member_blocked(member_id)
            elif outcome.status in UNDELIVERED_REASONS:  # final; the next kind may get through
                first = self._first_refusal(ids)
                self._set_status(ids, outcome.status, detail=outcome.detail)
                if first:
                    await self.member_refused(member_id, outcome.status)
            elif outcome.status == UNCONFIRMED:  # may have arrived: a resend could be a duplicate
                self._set_status(ids, UNCONFIRMED, detail=outcome.detail)
                log.warning("reminder to %s may not have arrived: %s", member_id, outcome.detail)
            else:  # surely not sent: stays pending, the next tick tries again
                log.warning("reminder to %s not delivered: %s", member_id, outcome.detail)

        return record

    def _set_status(
        self, ids: list[int], status: str, sent_at: str | None = None, detail: str | None = None
    ) -> None:
        if not ids:
            return
        with self.db.conn:
            self.db.conn.executemany(
                "UPDATE deliveries SET status = ?, sent_at = ?, detail = ? WHERE id = ?",
                [(status, sent_at, detail, i) for i in ids],
            )

    async def member_blocked(self, member_id: str) -> None:
        """A member blocked the bot: stop reminding them and tell their group's leaders."""
        row = self.db.execute(
            "SELECT name, group_id, channel, chat_id FROM members WHERE id = ?", [member_id]
        ).fetchone()
        if row is None:
            return
        with self.db.conn:
            self.db.execute(
                "UPDATE members SET active = 0 WHERE channel = ? AND chat_id = ?", [row[2], row[3]]
            )
        group = self.db.execute("SELECT name FROM work_groups WHERE id = ?", [row[1]]).fetchone()
        text = (
            f"Thành viên {row[0]} ({group[0] if group else row[1]}) đã chặn Trợ lý 06 nên không "
            "còn nhận được nhắc việc. Đề nghị liên hệ trực tiếp."
        )
        for leader in leaders_of(self.db, [row[1]]):
            if leader.id != member_id:
                await self.outbox.submit(
                    Outgoing(leader.channel, leader.chat_id, Reply(text), BULK)
                )

    def _first_refusal(self, ids: list[int]) -> bool:
        """Whether none of these deliveries' occurrences was refused for the member before,
        so a leader hears once per task, not at every reminder kind."""
        marks = ",".join("?" * len(ids))
        row = self.db.execute(
            f"""SELECT 1 FROM deliveries d JOIN deliveries mine
                  ON mine.occurrence_id = d.occurrence_id AND mine.member_id = d.member_id
                WHERE mine.id IN ({marks}) AND d.status IN (?, ?) LIMIT 1""",
            [*ids, *UNDELIVERED_REASONS],
        ).fetchone()
        return row is None

    async def member_refused(self, member_id: str, status: str = REFUSED) -> None:
        """A reminder did not reach a member (`status` says why: refused by the platform,
        outside Zalo OA's free window): tell the member's leaders, who can reach them."""
        row = self.db.execute(
            "SELECT name, group_id FROM members WHERE id = ?", [member_id]
        ).fetchone()
        if row is None:
            return
        text = (
            f"Không gửi được nhắc việc tới thành viên {row[0]} ({self.group_name(row[1])}): "
            f"{UNDELIVERED_REASONS[status]}. {UNDELIVERED_ADVICE[status]}"
        )
        for leader in leaders_of(self.db, [row[1]]):
            if leader.id != member_id:
                await self.outbox.submit(
                    Outgoing(leader.channel, leader.chat_id, Reply(text), BULK)
                )

    def refused_members(self, occurrence_id: int, group_id: str, status: str = REFUSED) -> int:
        """Members of a group whose reminders for an occurrence did not reach them for the
        reason `status` names (REFUSED or OUTSIDE_WINDOW)."""
        return self.db.execute(
            """SELECT COUNT(DISTINCT d.member_id) FROM deliveries d
               JOIN members m ON m.id = d.member_id
               WHERE d.occurrence_id = ? AND m.group_id = ? AND d.status = ?""",
            [occurrence_id, group_id, status],
        ).fetchone()[0]

    # -- messages -------------------------------------------------------------------

    def _message(self, items: list[Pending], by_id: dict[int, Occurrence]) -> Reply:
        reminders = [p for p in items if not p.kind.startswith(ESCALATE)]
        escalations = [p for p in items if p.kind.startswith(ESCALATE)]
        blocks = [self._reminder_text(by_id[p.occurrence_id]) for p in reminders]
        blocks += [self.escalation_text(by_id[p.occurrence_id], p.member_id) for p in escalations]
        occ_ids = list(dict.fromkeys(p.occurrence_id for p in reminders))
        if len(blocks) == 1:
            title = "⏰ Nhắc việc" if reminders else "⚠️ Nhiệm vụ quá hạn"
            return Reply(
                blocks[0], title=title, buttons=_buttons(occ_ids), tags=frozenset({"reminder"})
            )
        text = "\n\n".join(f"{n}. {block}" for n, block in enumerate(blocks, start=1))
        return Reply(
            text,
            title=f"⏰ Anh/chị có {len(blocks)} nhắc việc",
            buttons=_buttons(occ_ids),
            tags=frozenset({"reminder"}),
        )

    def _reminder_text(self, occ: Occurrence) -> str:
        lines = [occ.title, f"Hạn: {self.format_due(occ.due_at)} ({self._countdown(occ.due_at)})"]
        if occ.legal_basis:
            lines.append(f"Căn cứ: {occ.legal_basis}")
        if occ.description:
            lines.append(occ.description)
        return "\n".join(lines)

    def escalation_text(self, occ: Occurrence, leader_id: str) -> str:
        """What a leader sees about one overdue occurrence: who, in their groups, is late."""
        own = self.db.execute("SELECT group_id FROM members WHERE id = ?", [leader_id]).fetchone()
        watched = self.watched_groups(own[0]) if own else set()
        late: dict[str, list[str]] = defaultdict(list)
        for member in self.members_not_done(occ):
            if member["group_id"] in watched:
                late[member["group_id"]].append(member["name"])
        lines = [f"{occ.title} — quá hạn từ {self.format_due(occ.due_at)}. Chưa hoàn thành:"]
        for group_id, names in sorted(late.items()):
            lines.append(f"• {self.group_name(group_id)}: {', '.join(names)}")
        return "\n".join(lines)

    def watched_groups(self, group_id: str) -> set[str]:
        """A leader watches their own group and the groups of the units directly below."""
        rows = self.db.execute(
            """SELECT cg.id FROM work_groups g JOIN units child ON child.parent = g.unit
               JOIN work_groups cg ON cg.unit = child.id WHERE g.id = ?""",
            [group_id],
        ).fetchall()
        return {group_id, *(row[0] for row in rows)}

    def reachable_members(self, group_id: str) -> int:
        """Members of a group who receive reminders (active, linked to a chat)."""
        return self.db.execute(
            """SELECT COUNT(*) FROM members
               WHERE group_id = ? AND active = 1 AND chat_id IS NOT NULL""",
            [group_id],
        ).fetchone()[0]

    def group_name(self, group_id: str) -> str:
        row = self.db.execute("SELECT name FROM work_groups WHERE id = ?", [group_id]).fetchone()
        return row[0] if row else group_id

    def format_due(self, due_at: datetime) -> str:
        local = due_at.astimezone(self.policy.tz)
        return f"{local:%H:%M} ngày {local:%d/%m/%Y}"

    def _countdown(self, due_at: datetime) -> str:
        today = self.clock.now().astimezone(self.policy.tz).date()
        days = (due_at.astimezone(self.policy.tz).date() - today).days
        if days > 0:
            return f"còn {days} ngày"
        if days == 0:
            return "hạn hôm nay"
        return f"đã quá hạn {-days} ngày"

    # -- timing ---------------------------------------------------------------------

    def _next_wake(self, occurrences: list[Occurrence], now: datetime) -> datetime:
        """The earliest future reminder, escalation or snooze (a day away when none).

        New tasks and retries are picked up by the timer's safety tick in between.
        """
        candidates = []
        for occ in occurrences:
            plan = self.policy.reminders(occ.due_at) + self.policy.escalations(occ.due_at)
            candidates += [moment for _, moment in plan if moment > now]
        row = self.db.execute(
            "SELECT MIN(until) FROM snoozes WHERE until > ?", [iso(now)]
        ).fetchone()
        if row and row[0]:
            candidates.append(from_iso(row[0]))
        return self.policy.outside_quiet(min(candidates, default=now + timedelta(days=1)))

    # -- what officials do ----------------------------------------------------------

    def mark_done(self, occurrence_id: int, member_id: str) -> bool:
        """Record completion; returns False when it was already recorded."""
        group = self.db.execute("SELECT group_id FROM members WHERE id = ?", [member_id]).fetchone()
        if group is None:
            return False
        with self.db.conn:
            cursor = self.db.execute(
                """INSERT OR IGNORE INTO completions (occurrence_id, member_id, group_id, done_at)
                   VALUES (?, ?, ?, ?)""",
                [occurrence_id, member_id, group[0], iso(self.clock.now())],
            )
        return cursor.rowcount == 1

    def snooze(self, occurrence_id: int, member_id: str) -> datetime:
        """Remind this member again after the snooze delay (outside quiet hours)."""
        until = self.policy.snooze_until(self.clock.now())
        with self.db.conn:
            self.db.execute(
                """INSERT INTO snoozes (occurrence_id, member_id, until, count) VALUES (?, ?, ?, 1)
                   ON CONFLICT (occurrence_id, member_id)
                   DO UPDATE SET until = excluded.until, count = count + 1""",
                [occurrence_id, member_id, iso(until)],
            )
        if self.on_change is not None:
            self.on_change()
        return until

    def occurrence(self, occurrence_id: int) -> Occurrence | None:
        row = self.db.execute(
            """SELECT o.id, o.task_id, t.title, t.description, t.legal_basis, o.due_at,
                      t.groups, t.units
               FROM occurrences o JOIN tasks t ON t.id = o.task_id WHERE o.id = ?""",
            [occurrence_id],
        ).fetchone()
        return self._occurrence(row) if row else None


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
            result.append(Pending(item.id, item.occurrence_id, item.member_id, "superseded"))
    return result


def _buttons(occurrence_ids: list[int]) -> tuple[tuple[Button, ...], ...]:
    if len(occurrence_ids) == 1:
        occ = occurrence_ids[0]
        return (
            (
                Button(DONE_BUTTON, f"{BUTTON_PREFIX}:done:{occ}"),
                Button(SNOOZE_BUTTON, f"{BUTTON_PREFIX}:snooze:{occ}"),
            ),
        )
    return tuple(
        (
            Button(f"{DONE_BUTTON} ({n})", f"{BUTTON_PREFIX}:done:{occ}"),
            Button(f"{SNOOZE_BUTTON} ({n})", f"{BUTTON_PREFIX}:snooze:{occ}"),
        )
        for n, occ in enumerate(occurrence_ids, start=1)
    )


def _recurrence(text: str) -> Recurrence:
    data = json.loads(text)
    on = date.fromisoformat(data["on"]) if data.get("on") else None
    return Recurrence(data["kind"], on, data["day"], data["quarter_month"], data["cron"])
