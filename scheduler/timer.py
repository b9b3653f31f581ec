"""APScheduler as an in-memory alarm clock for the reminder engine.

The truth lives in SQLite, so the scheduler keeps no job store: one job with a fixed id is
re-added (replace_existing) for the next moment the engine asked for, plus a periodic
safety tick that picks up new tasks and retries failed sends. Every trigger gets the
timezone explicitly (APScheduler would otherwise use the machine's), and misfire grace is
unlimited so a late wake-up still runs instead of being silently dropped.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.delivery import ReminderService

log = logging.getLogger(__name__)

NEXT_JOB = "troly06-reminders-next"
SAFETY_JOB = "troly06-reminders-safety"


class ReminderTimer:
    def __init__(self, service: ReminderService, tz: ZoneInfo, safety_minutes: float = 5) -> None:
        self.service = service
        self.tz = tz
        self.safety_minutes = safety_minutes
        self.scheduler = AsyncIOScheduler(timezone=tz)
        self._lock = asyncio.Lock()
        # Reminders to a channel that was not ready at the last tick (it registers after the
        # timer starts, or after waiting out an outage) go as soon as it is.
        service.outbox.when_channel_added(lambda _channel: self.poke())

    async def start(self) -> None:
        """Start the alarm clock and tick at once, which sends reminders missed while down."""
        self.scheduler.start()
        self.scheduler.add_job(
            self.run,
            IntervalTrigger(minutes=self.safety_minutes, timezone=self.tz),
            id=SAFETY_JOB,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
        )
        await self.run()

    async def run(self) -> None:
        """One tick of the engine, then set the alarm for the moment it asked for."""
        async with self._lock:
            try:
                next_at = await self.service.tick()
            except Exception:
                log.exception("reminder tick failed; the safety tick will try again")
                return
        self._schedule(next_at)

    def poke(self) -> None:
        """Something changed (a snooze, a new task): re-plan now."""
        if self.scheduler.running:
            self._schedule(self.service.clock.now())

    def next_run_time(self) -> datetime | None:
        job = self.scheduler.get_job(NEXT_JOB)
        return job.next_run_time if job else None

    def _schedule(self, moment: datetime) -> None:
        self.scheduler.add_job(
            self.run,
            DateTrigger(run_date=moment, timezone=self.tz),
            id=NEXT_JOB,
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
