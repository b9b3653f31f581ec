"""Occurrences of recurring tasks, across month, quarter and year ends, in Vietnam's zone."""

from datetime import date, time

from scheduler.model import Recurrence
from tests.scheduler.conftest import TZ, local


def dues(recurrence: Recurrence, start: str, end: str) -> list[str]:
    moments = recurrence.due_dates(local(start), local(end), time(17), TZ)
    return [m.strftime("%d/%m/%Y %H:%M") for m in moments]


def test_monthly_day_31_falls_on_the_last_day_of_shorter_months():
    assert dues(Recurrence("monthly", day=31), "2028-01-01T00:00", "2028-04-30T23:59") == [
        "31/01/2028 17:00", "29/02/2028 17:00", "31/03/2028 17:00", "30/04/2028 17:00",
    ]  # fmt: skip


def test_monthly_crosses_the_year_end():
    assert dues(Recurrence("monthly", day=25), "2025-11-26T00:00", "2026-01-31T00:00") == [
        "25/12/2025 17:00", "25/01/2026 17:00",
    ]  # fmt: skip


def test_quarterly_is_day_n_of_the_chosen_month_of_each_quarter():
    assert dues(Recurrence("quarterly", day=31), "2025-01-01T00:00", "2025-12-31T23:59") == [
        "31/03/2025 17:00", "30/06/2025 17:00", "30/09/2025 17:00", "31/12/2025 17:00",
    ]  # fmt: skip
    first_month = Recurrence("quarterly", day=15, quarter_month=1)
    assert dues(first_month, "2025-06-01T00:00", "2025-10-31T00:00") == [
        "15/07/2025 17:00", "15/10/2025 17:00",
    ]  # fmt: skip


def test_cron_runs_in_the_configured_zone_not_the_machines():
    weekly = Recurrence("cron", cron="0 10 * * fri")
    moments = weekly.due_dates(local("2025-08-01T00:00"), local("2025-08-10T00:00"), time(17), TZ)
    assert [m.strftime("%a %d/%m %H:%M %z") for m in moments] == [
        "Fri 01/08 10:00 +0700", "Fri 08/08 10:00 +0700",
    ]  # fmt: skip


def test_once_has_a_single_occurrence():
    once = Recurrence("once", on=date(2025, 8, 15))
    assert dues(once, "2025-08-01T00:00", "2025-12-31T00:00") == ["15/08/2025 17:00"]
    assert dues(once, "2025-08-16T00:00", "2025-12-31T00:00") == []
