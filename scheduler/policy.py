"""When reminders go out: offsets before the due day, overdue days, quiet hours, snooze.

Pure date arithmetic in the configured timezone (Asia/Ho_Chi_Minh), so tests can check
every rule with plain datetimes and no clock at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from foundations.settings import SchedulerSettings

ESCALATE = "escalate"


@dataclass(frozen=True)
class ReminderPolicy:
    tz: ZoneInfo
    offsets_days: tuple[int, ...] = (7, 3, 1, 0)
    reminder_time: time = time(8, 0)
    overdue_days: int = 3
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)
    snooze: timedelta = timedelta(hours=2)

    @classmethod
    def from_settings(cls, settings: SchedulerSettings) -> ReminderPolicy:
        return cls(
            tz=settings.timezone,
            offsets_days=tuple(sorted(set(settings.offsets_days), reverse=True)),
            reminder_time=settings.reminder_time,
            overdue_days=settings.overdue_days,
            quiet_start=settings.quiet_start,
            quiet_end=settings.quiet_end,
            snooze=timedelta(minutes=settings.snooze_minutes),
        )

    def reminders(self, due_at: datetime) -> list[tuple[str, datetime]]:
        """(kind, moment) of every reminder of one occurrence, in time order."""
        due_day = due_at.astimezone(self.tz).date()
        planned = [
            ("due" if days == 0 else f"before{days}", due_day - timedelta(days=days))
            for days in self.offsets_days
        ]
        planned += [(f"overdue{k}", due_day + timedelta(days=k)) for k in self.overdue_range()]
        moments = [(kind, self.outside_quiet(self._at(day))) for kind, day in planned]
        return sorted(moments, key=lambda item: item[1])

    def escalations(self, due_at: datetime) -> list[tuple[str, datetime]]:
        """Leaders hear about late members on each overdue day, at the reminder hour."""
        due_day = due_at.astimezone(self.tz).date()
        return [
            (f"{ESCALATE}{k}", self.outside_quiet(self._at(due_day + timedelta(days=k))))
            for k in self.overdue_range()
        ]

    def overdue_range(self) -> range:
        return range(1, self.overdue_days + 1)

    def latest(self, plan: list[tuple[str, datetime]], now: datetime) -> str | None:
        """The most recent kind whose moment has come: older ones are superseded by it."""
        passed = [kind for kind, moment in plan if moment <= now]
        return passed[-1] if passed else None

    def next_after(self, plan: list[tuple[str, datetime]], now: datetime) -> datetime | None:
        return next((moment for _, moment in plan if moment > now), None)

    def relevant_until(self, due_at: datetime) -> datetime:
        """After the last overdue day nothing more is sent for an occurrence."""
        last_day = due_at.astimezone(self.tz).date() + timedelta(days=self.overdue_days + 1)
        return self._at(last_day)

    def earliest_lead(self) -> timedelta:
        return timedelta(days=max(self.offsets_days, default=0) + 1)

    def in_quiet(self, moment: datetime) -> bool:
        local = moment.astimezone(self.tz).time()
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= local < self.quiet_end
        return local >= self.quiet_start or local < self.quiet_end

    def outside_quiet(self, moment: datetime) -> datetime:
        """`moment`, or the end of the quiet hours it falls in."""
        if not self.in_quiet(moment):
            return moment
        local = moment.astimezone(self.tz)
        end = datetime.combine(local.date(), self.quiet_end, self.tz)
        return end if end > local else end + timedelta(days=1)

    def snooze_until(self, now: datetime) -> datetime:
        return self.outside_quiet(now + self.snooze)

    def _at(self, day) -> datetime:
        return datetime.combine(day, self.reminder_time, self.tz)
