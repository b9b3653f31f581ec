"""Reminder moments: offsets, overdue days, quiet hours (21:00–07:00), snooze."""

from datetime import timedelta

from scheduler.policy import ReminderPolicy
from tests.scheduler.conftest import TZ, local

POLICY = ReminderPolicy(TZ)


def test_default_plan_is_7_3_1_days_before_the_due_day_and_overdue_days_at_8():
    plan = POLICY.reminders(local("2025-03-02T17:00"))
    assert [(kind, m.strftime("%d/%m %H:%M")) for kind, m in plan] == [
        ("before7", "23/02 08:00"), ("before3", "27/02 08:00"), ("before1", "01/03 08:00"),
        ("due", "02/03 08:00"), ("overdue1", "03/03 08:00"), ("overdue2", "04/03 08:00"),
        ("overdue3", "05/03 08:00"),
    ]  # fmt: skip


def test_the_latest_passed_kind_supersedes_older_ones():
    plan = POLICY.reminders(local("2025-08-15T17:00"))
    assert POLICY.latest(plan, local("2025-08-07T23:00")) is None
    assert POLICY.latest(plan, local("2025-08-13T10:00")) == "before3"


def test_quiet_hours_push_a_moment_to_seven_in_the_morning():
    assert POLICY.in_quiet(local("2025-08-08T21:00"))
    assert POLICY.in_quiet(local("2025-08-09T06:59"))
    assert not POLICY.in_quiet(local("2025-08-09T07:00"))
    assert POLICY.outside_quiet(local("2025-08-08T22:30")) == local("2025-08-09T07:00")
    assert POLICY.outside_quiet(local("2025-08-09T03:00")) == local("2025-08-09T07:00")


def test_a_reminder_hour_inside_quiet_hours_is_moved_out_of_them():
    early = ReminderPolicy(TZ, reminder_time=local("2025-01-01T06:00").time())
    plan = early.reminders(local("2025-08-15T17:00"))
    assert {m.strftime("%H:%M") for _, m in plan} == {"07:00"}


def test_snooze_waits_the_configured_delay_but_not_into_the_night():
    assert POLICY.snooze_until(local("2025-08-08T09:00")) == local("2025-08-08T11:00")
    assert POLICY.snooze_until(local("2025-08-08T20:00")) == local("2025-08-09T07:00")
    short = ReminderPolicy(TZ, snooze=timedelta(minutes=30))
    assert short.snooze_until(local("2025-08-08T09:00")) == local("2025-08-08T09:30")
