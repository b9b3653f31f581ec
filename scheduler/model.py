"""What admins describe in the scheduler files: units, working groups, members, tasks.

These are plain values; `scheduler.files` builds them from YAML and `scheduler.store`
mirrors them into SQLite, where chat joins, occurrences and deliveries live too.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

LEADER = "leader"
MEMBER = "member"


@dataclass(frozen=True)
class Unit:
    """An administrative unit: province, commune (xã/phường/đặc khu), village/residential group."""

    id: str
    name: str
    level: str
    parent: str | None = None


@dataclass(frozen=True)
class RosterMember:
    id: str
    name: str
    role: str = MEMBER
    phone: str | None = None


@dataclass(frozen=True)
class Group:
    """A Đề án 06 working group attached to one unit, joined with its code."""

    id: str
    name: str
    unit: str
    join_code: str
    members: tuple[RosterMember, ...] = ()


@dataclass(frozen=True)
class Recurrence:
    """When a task falls due: once, monthly on day N, quarterly, or a cron expression.

    Days past a month's end mean its last day (31 → 28/02), as officials read "ngày 31".
    Quarterly means day N of month `quarter_month` (1–3) of each quarter.
    """

    kind: str  # "once", "monthly", "quarterly", "cron"
    on: date | None = None
    day: int = 0
    quarter_month: int = 3
    cron: str = ""

    def due_dates(self, start: datetime, end: datetime, at: time, tz: ZoneInfo) -> list[datetime]:
        """Due moments (aware, in `tz`) within [start, end]."""
        if self.kind == "cron":
            return _cron_times(self.cron, start, end, tz)
        return [
            moment
            for day in self._days(start.astimezone(tz).date(), end.astimezone(tz).date())
            if start <= (moment := datetime.combine(day, at, tz)) <= end
        ]

    def _days(self, first: date, last: date) -> list[date]:
        if self.kind == "once":
            return [self.on] if self.on is not None and first <= self.on <= last else []
        months = (1, 4, 7, 10) if self.kind == "quarterly" else tuple(range(1, 13))
        offset = self.quarter_month - 1 if self.kind == "quarterly" else 0
        days = []
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            if month - offset in months:
                days.append(clamped_day(year, month, self.day))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return [day for day in days if first <= day <= last]


def clamped_day(year: int, month: int, day: int) -> date:
    """Day `day` of the month, or its last day when the month is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def cron_trigger(expression: str, tz: ZoneInfo) -> CronTrigger:
    """APScheduler's cron trigger with the zone passed explicitly (never the machine's)."""
    return CronTrigger.from_crontab(expression, timezone=tz)


def _cron_times(expression: str, start: datetime, end: datetime, tz: ZoneInfo) -> list[datetime]:
    trigger = cron_trigger(expression, tz)
    times: list[datetime] = []
    moment = trigger.get_next_fire_time(None, start)
    while moment is not None and moment <= end and len(times) < 1000:
        times.append(moment)
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    return times


@dataclass(frozen=True)
class TaskDef:
    """A task as the admin wrote it; each due moment becomes an occurrence in SQLite."""

    id: str
    title: str
    recurrence: Recurrence
    due_time: time
    description: str = ""
    legal_basis: str = ""
    groups: tuple[str, ...] = ()
    units: tuple[str, ...] = ()


@dataclass
class Roster:
    """Everything the files describe, validated and cross-referenced."""

    levels: tuple[str, ...]
    units: dict[str, Unit] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    tasks: dict[str, TaskDef] = field(default_factory=dict)
