"""The scheduler feature assembled from configuration: files, engine, timer, admin list.

bot/app.py builds one `Officials` next to the channels and puts it in
`Services.extras["officials"]`; the conversation uses it only through `scheduler.api`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils

from foundations.clock import Clock, SystemClock
from foundations.settings import SchedulerSettings
from foundations.yaml_lines import Problem
from scheduler.delivery import ReminderOutbox, ReminderService
from scheduler.policy import ReminderPolicy
from scheduler.store import ensure_schema, load_files_into
from scheduler.timer import ReminderTimer

log = logging.getLogger(__name__)


@dataclass
class Officials:
    """Everything the officials' commands need, and the lifecycle of the reminder timer."""

    db: sqlite_utils.Database
    service: ReminderService
    timer: ReminderTimer
    files: list[Path] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    default_due_time: str = "17:00"

    @classmethod
    def from_settings(
        cls,
        settings: SchedulerSettings,
        db: sqlite_utils.Database,
        outbox: ReminderOutbox,
        clock: Clock | None = None,
    ) -> Officials:
        """The feature as the `scheduler:` section describes it, its files loaded."""
        ensure_schema(db)
        policy = ReminderPolicy.from_settings(settings)
        service = ReminderService(
            db, outbox, policy, clock or SystemClock(), settings.done_scope
        )
        officials = cls(
            db,
            service,
            ReminderTimer(service, policy.tz, settings.safety_tick_minutes),
            list(settings.files),
            list(settings.levels),
            f"{settings.default_due_time:%H:%M}",
        )
        for problem in officials.reload():
            log.error("%s", problem)
        return officials

    @property
    def tz(self) -> ZoneInfo:
        return self.service.policy.tz

    def reload(self) -> list[Problem]:
        """Re-read the files; on any problem the data loaded before keeps serving."""
        if not self.files:
            return []
        problems = load_files_into(self.db, self.files, self.levels, self.default_due_time, self.tz)
        if not problems:
            self.timer.poke()
        return problems

    def now(self) -> datetime:
        return self.service.clock.now()

    def format_due(self, due_at: datetime) -> str:
        """A moment as officials read it ("17:00 ngày 15/08/2025")."""
        return self.service.format_due(due_at)

    async def start(self) -> None:
        await self.timer.start()

    async def stop(self) -> None:
        await self.timer.stop()
