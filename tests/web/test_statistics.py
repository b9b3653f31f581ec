"""The serving figures, checked against a fixture database whose answers are known, and
the same figures in the console, on the command line and in chat."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import sqlite_utils

from bot.app import App
from handlers.stats import entry_figures, figures_csv, figures_text, serving_figures
from handlers.store import Storage
from knowledge.review_dates import vietnam_today
from tests.web.conftest import Browser

TODAY = date(2026, 11, 28)
TROLY06 = Path(sys.executable).with_name("troly06")

# (UTC time asked, outcome). 2026-11-27T18:30Z is already the 28th in Vietnam.
QUESTIONS = [
    ("2026-11-28T02:00:00+00:00", "answered"), ("2026-11-27T18:30:00+00:00", "answered"),
    ("2026-11-28T03:00:00+00:00", "fallback"), ("2026-11-27T10:00:00+00:00", "suggested"),
    ("2026-11-27T11:00:00+00:00", "answered"), ("2026-11-22T01:00:00+00:00", "fallback"),
    ("2026-11-21T16:59:00+00:00", "answered"),  # 23:59 on the 21st: outside a 7-day week
]
FEEDBACK = [("2026-11-28T01:00:00+00:00", 1), ("2026-11-26T01:00:00+00:00", 1),
            ("2026-11-26T02:00:00+00:00", 0), ("2026-11-01T02:00:00+00:00", 0)]
USERS = [("telegram", "1", "2026-11-28T01:00:00+00:00"),
         ("telegram", "2", "2026-11-23T01:00:00+00:00"),
         ("zalo_oa", "3", "2026-11-27T01:00:00+00:00"),
         ("zalo_bot", "4", "2026-10-01T01:00:00+00:00")]


def fill(db: sqlite_utils.Database) -> None:
    """The fixture rows, written as the bot writes them (UTC ISO times)."""
    db["questions"].insert_all(
        {"channel": "telegram", "user_id": "1", "text": "câu hỏi", "normalized": "cau hoi",
         "outcome": outcome, "matched_id": "doi-the" if outcome == "answered" else None,
         "score": 80.0, "asked_at": at} for at, outcome in QUESTIONS)
    db["feedback"].insert_all(
        {"channel": "telegram", "user_id": "1", "entry_id": "doi-the", "helpful": helpful,
         "created_at": at} for at, helpful in FEEDBACK)
    db["users"].insert_all(
        {"channel": channel, "user_id": user, "chat_id": user, "first_seen": seen,
         "last_seen": seen} for channel, user, seen in USERS)


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    storage = Storage.open(tmp_path / "stats.db")
    fill(storage.db)
    return storage


class TestTheFigures:
    def test_count_questions_per_vietnamese_day_by_outcome(self, storage: Storage):
        figures = serving_figures(storage.db, 7, TODAY)
        by_day = {d.day: (d.answered, d.suggested, d.fallback) for d in figures.per_day}
        assert len(by_day) == 7 and min(by_day) == date(2026, 11, 22)
        assert by_day[date(2026, 11, 28)] == (2, 0, 1)
        assert by_day[date(2026, 11, 27)] == (1, 1, 0)
        assert by_day[date(2026, 11, 22)] == (0, 0, 1)
        assert figures.total == 6 and figures.answered_share == pytest.approx(0.5)

    def test_count_feedback_and_active_users_per_channel_in_the_window(self, storage: Storage):
        figures = serving_figures(storage.db, 7, TODAY)
        assert (figures.helpful, figures.unhelpful) == (2, 1)
        assert figures.users_per_channel == (("telegram", 2), ("zalo_oa", 1))
        longer = serving_figures(storage.db, 90, TODAY)
        assert longer.total == 7 and (longer.helpful, longer.unhelpful) == (2, 2)
        assert dict(longer.users_per_channel)["zalo_bot"] == 1

    def test_an_empty_database_has_zero_share_not_an_error(self, tmp_path: Path):
        figures = serving_figures(Storage.open(tmp_path / "empty.db").db, 30, TODAY)
        assert figures.total == 0 and figures.answered_share == 0.0
        assert "Câu hỏi: 0" in figures_text(figures)

    def test_per_entry_answers_and_ratings(self, storage: Storage):
        figures = entry_figures(storage.db)["doi-the"]
        assert (figures.answered, figures.helpful, figures.unhelpful) == (4, 2, 2)

    def test_csv_has_one_row_per_day(self, storage: Storage):
        lines = figures_csv(serving_figures(storage.db, 7, TODAY)).splitlines()
        assert lines[0] == "Ngày,Trả lời được,Gợi ý,Chưa trả lời,Tổng"
        assert "2026-11-28,2,0,1,3" in lines and len(lines) == 8


class TestTheSameFiguresEverywhere:
    def test_on_the_command_line(self, storage: Storage, tmp_path: Path):
        config = tmp_path / "config.yaml"
        config.write_text(f"storage:\n  path: {tmp_path / 'stats.db'}\n", encoding="utf-8")
        expected = serving_figures(storage.db, 90, vietnam_today())
        run = subprocess.run([str(TROLY06), "stats", "--days", "90", "--csv", "--config",
                              str(config)], capture_output=True, text=True, check=True)
        assert run.stdout == figures_csv(expected)
        run = subprocess.run([str(TROLY06), "stats", "--days", "90", "--config", str(config)],
                             capture_output=True, text=True, check=True)
        assert run.stdout == figures_text(expected) + "\n"

    async def test_in_the_console(self, browser: Browser, running: App):
        fill(running.storage.db)
        expected = serving_figures(running.storage.db, 90, vietnam_today())
        await browser.login("minh")
        _, csv_text = await browser.get("/tong-quan.csv?days=90")
        assert csv_text.lstrip("\ufeff") == figures_csv(expected)
        _, html = await browser.get("/?days=90")
        assert f'id="total">{expected.total}<' in html
        assert f'id="share">{expected.answered_share:.0%}<' in html
        assert html.count("<svg") == 2 and "kozea" not in html, "charts inline, no CDN script"
