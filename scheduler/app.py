"""The scheduler feature assembled from configuration: files, engine, timer, admin list.

bot/app.py builds one `Officials` next to the channels and puts it in
`Services.extras["officials"]` for handlers/officials.py.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.outbox import Outbox
from bot.yaml_lines import Problem
from scheduler.model import Recurrence, TaskDef
from scheduler.policy import ReminderPolicy
from scheduler.service import ReminderService
from scheduler.store import (
    CHAT,
    ensure_schema,
    load_files_into,
    resolve_target,
    task_record,
    upsert_task,
)
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
    def from_config(
        cls,
        config: Config,
        db: sqlite_utils.Database,
        outbox: Outbox,
        clock: Clock | None = None,
    ) -> Officials:
        settings = config.scheduler
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

    def create_task(
        self,
        targets: list[str],
        due_at: datetime,
        title: str,
        legal_basis: str = "",
    ) -> str:
        """A one-off task from an admin's chat command; kept across file reloads."""
        groups = [t for t in targets if self._exists("work_groups", t)]
        units = [t for t in targets if t not in groups]
        slug = re.sub(r"[^a-z0-9]+", "-", due_at.strftime("%Y%m%d%H%M")).strip("-")
        task_id = f"chat-{slug}-{self._count_tasks() + 1}"
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
        upsert_task(self.db, task_record(task, CHAT))
        self.timer.poke()
        return task_id

    def resolve_target(self, text: str) -> str | None:
        """The group or unit an admin means (see scheduler.store.resolve_target)."""
        return resolve_target(self.db, text)

    def _exists(self, table: str, ident: str) -> bool:
        return (
            self.db.execute(f"SELECT 1 FROM {table} WHERE id = ?", [ident]).fetchone() is not None
        )

    def _count_tasks(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]

    async def start(self) -> None:
        await self.timer.start()

    async def stop(self) -> None:
        await self.timer.stop()
