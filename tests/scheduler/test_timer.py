"""APScheduler as the alarm clock: fixed job ids, explicit timezone, next wake from SQLite."""

from datetime import UTC, datetime, timedelta

from scheduler.timer import NEXT_JOB, SAFETY_JOB, ReminderTimer
from tests.fakes.clock import ManualClock
from tests.scheduler.conftest import ROSTER_YAML, TZ, World


async def test_the_timer_sets_one_alarm_for_the_next_reminder_in_vietnam_time(tmp_path):
    now = datetime.now(UTC).replace(microsecond=0)
    due = (now + timedelta(days=5)).astimezone(TZ).date()
    clock = ManualClock(now)
    world = World(tmp_path, clock)
    world.load(ROSTER_YAML.replace("due: 2025-08-15", f"due: {due.isoformat()}"))
    timer = ReminderTimer(world.service, TZ)
    await world.outbox.start()
    await timer.start()
    try:
        expected = datetime.combine(due - timedelta(days=3), datetime.min.time(), TZ).replace(
            hour=8
        )
        job = timer.scheduler.get_job(NEXT_JOB)
        assert job.next_run_time == expected
        assert str(job.next_run_time.tzinfo) == "Asia/Ho_Chi_Minh"
        assert timer.scheduler.get_job(SAFETY_JOB) is not None
        timer.poke()  # a snooze or a new task: re-plan now, same job id
        assert [j.id for j in timer.scheduler.get_jobs()].count(NEXT_JOB) == 1
    finally:
        await timer.stop()
        await world.outbox.stop()
