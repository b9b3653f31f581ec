"""Entries whose facts expire: a fee waiver that ends, a campaign deadline.

An entry may carry `review_by: DATE`. A citizen acts on what the bot says, so an answer
that was right last year is the costliest kind of wrong: admins are told a month ahead
(`troly06 kb check` warns, `/chuatraloi` lists it) and, once the date has passed, the
check fails until someone re-reads the sources and moves the date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from foundations.yaml_lines import Problem
from knowledge.model import Entry, KnowledgeBase

NOTICE_DAYS = 30  # how long before `review_by` admins start being told
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class DueEntry:
    """An entry to re-check, and how many days are left (negative: overdue)."""

    entry: Entry
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    def describe(self) -> str:
        """The date and how close it is, in Vietnamese, e.g. "hạn 31/12/2026, còn 3 ngày"."""
        assert self.entry.review_by is not None
        when = f"hạn xem lại {self.entry.review_by:%d/%m/%Y}"
        if self.overdue:
            return f"{when}, đã quá {-self.days_left} ngày"
        if self.days_left == 0:
            return f"{when}, là hôm nay"
        return f"{when}, còn {self.days_left} ngày"


def vietnam_today() -> date:
    """Today's date where the facts apply, whatever the server's timezone."""
    return datetime.now(VIETNAM).date()


def entries_due(kb: KnowledgeBase, today: date, notice_days: int = NOTICE_DAYS) -> list[DueEntry]:
    """Entries whose `review_by` is within `notice_days` of `today` or past, soonest first."""
    due = [
        DueEntry(entry, (entry.review_by - today).days)
        for entry in kb.entries.values()
        if entry.review_by is not None and (entry.review_by - today).days <= notice_days
    ]
    return sorted(due, key=lambda d: (d.days_left, d.entry.id))


def review_problems(kb: KnowledgeBase, today: date) -> list[Problem]:
    """What `kb check` reports: a warning while the date approaches, an error once past."""
    return [
        Problem(d.entry.file, d.entry.line, _problem_text(d), "error" if d.overdue else "warning")
        for d in entries_due(kb, today)
    ]


def _problem_text(due: DueEntry) -> str:
    if due.overdue:
        return (f"mục '{due.entry.id}': {due.describe()}; kiểm tra lại nguồn, sửa câu trả "
                f"lời rồi dời 'review_by'")
    return f"mục '{due.entry.id}': {due.describe()}; cần kiểm tra lại nội dung"
