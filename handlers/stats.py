"""How the bot serves: questions per day by outcome, share answered, 👍/👎, active users.

One function computes the figures and every view shows the same ones: the web console's
overview (charts, table, CSV), `troly06 stats --days N [--csv]` and the admins' `/thongke`.
Days are Vietnam's calendar days (UTC+7 all year, no daylight saving), since admins read
"hôm qua" as their own yesterday, while the database keeps UTC. It reads only the
conversation's own tables, so it sits beside the conversation, below every view of it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import sqlite_utils

OUTCOMES = ("answered", "suggested", "fallback")
OUTCOME_LABELS = {"answered": "Trả lời được", "suggested": "Gợi ý", "fallback": "Chưa trả lời"}
VIETNAM_OFFSET = "+7 hours"  # SQLite modifier from a stored UTC time to Vietnam's clock
PERIODS = (7, 30, 90)  # the windows the console offers


@dataclass(frozen=True)
class DayFigures:
    """Questions of one day by outcome."""

    day: date
    answered: int = 0
    suggested: int = 0
    fallback: int = 0

    @property
    def total(self) -> int:
        return self.answered + self.suggested + self.fallback


@dataclass(frozen=True)
class Figures:
    """The headline figures of the `days` days ending `today` (included)."""

    days: int
    today: date
    per_day: tuple[DayFigures, ...]
    helpful: int
    unhelpful: int
    users_per_channel: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(day.total for day in self.per_day)

    def count(self, outcome: str) -> int:
        return sum(getattr(day, outcome) for day in self.per_day)

    @property
    def answered_share(self) -> float:
        """Share of questions answered outright, 0–1 (0 when nobody asked)."""
        return self.count("answered") / self.total if self.total else 0.0


def serving_figures(db: sqlite_utils.Database, days: int, today: date) -> Figures:
    """The figures of the conversation tables for the last `days` days up to `today`."""
    first = today - timedelta(days=days - 1)
    window = [first.isoformat(), today.isoformat()]
    counts: dict[date, dict[str, int]] = {}
    for day, outcome, number in db.execute(
        f"""SELECT date(asked_at, '{VIETNAM_OFFSET}') AS day, outcome, count(*) FROM questions
            WHERE day BETWEEN ? AND ? GROUP BY day, outcome""",
        window,
    ):
        if outcome in OUTCOMES:
            counts.setdefault(date.fromisoformat(day), {})[outcome] = number
    per_day = tuple(
        DayFigures(first + timedelta(days=n), **counts.get(first + timedelta(days=n), {}))
        for n in range(days)
    )
    helpful, unhelpful = db.execute(
        f"""SELECT coalesce(sum(helpful = 1), 0), coalesce(sum(helpful = 0), 0) FROM feedback
            WHERE date(created_at, '{VIETNAM_OFFSET}') BETWEEN ? AND ?""",
        window,
    ).fetchone()
    users = db.execute(
        f"""SELECT channel, count(*) FROM users
            WHERE date(last_seen, '{VIETNAM_OFFSET}') BETWEEN ? AND ?
            GROUP BY channel ORDER BY channel""",
        window,
    ).fetchall()
    return Figures(days, today, per_day, helpful, unhelpful, tuple(map(tuple, users)))


def figures_csv(figures: Figures) -> str:
    """One row per day (outcomes and total), for a spreadsheet; headers in Vietnamese."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Ngày", *(OUTCOME_LABELS[o] for o in OUTCOMES), "Tổng"])
    for day in figures.per_day:
        writer.writerow([day.day.isoformat(), *(getattr(day, o) for o in OUTCOMES), day.total])
    return out.getvalue()


def figures_text(figures: Figures) -> str:
    """The headline figures in a few lines, for chat and the terminal."""
    lines = [
        f"Thống kê {figures.days} ngày (đến {figures.today:%d/%m/%Y}):",
        f"- Câu hỏi: {figures.total}; trả lời được {figures.count('answered')} "
        f"({figures.answered_share:.0%}), gợi ý {figures.count('suggested')}, "
        f"chưa trả lời {figures.count('fallback')}",
        f"- Đánh giá: 👍 {figures.helpful}, 👎 {figures.unhelpful}",
    ]
    users = ", ".join(f"{channel} {n}" for channel, n in figures.users_per_channel)
    lines.append(f"- Người dùng hoạt động: {users or 'chưa có'}")
    return "\n".join(lines)


@dataclass(frozen=True)
class EntryFigures:
    """How one FAQ entry serves: times it answered, and the 👍/👎 it got."""

    answered: int = 0
    helpful: int = 0
    unhelpful: int = 0


def entry_figures(db: sqlite_utils.Database) -> dict[str, EntryFigures]:
    """Every entry that answered or was rated, by entry id (all time)."""
    found: dict[str, dict[str, int]] = {}
    for entry_id, answered in db.execute(
        """SELECT matched_id, count(*) FROM questions
           WHERE outcome = 'answered' AND matched_id IS NOT NULL GROUP BY matched_id"""
    ):
        found.setdefault(entry_id, {})["answered"] = answered
    for entry_id, helpful, unhelpful in db.execute(
        "SELECT entry_id, sum(helpful = 1), sum(helpful = 0) FROM feedback GROUP BY entry_id"
    ):
        found.setdefault(entry_id, {}).update(helpful=helpful, unhelpful=unhelpful)
    return {entry_id: EntryFigures(**values) for entry_id, values in found.items()}
