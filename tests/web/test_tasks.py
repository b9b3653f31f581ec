"""Nhắc việc: a task created or changed in the console. The task files are checked like
`troly06 tasks check` before anything is written; a problem is shown as `file:line` and
the files stay byte for byte; a saved task is written into its file, reminded from at
once and audited. Viewers change nothing."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest
import yaml

from bot.app import App
from foundations.settings import Config
from handlers.audit import AuditLog
from tests.web.conftest import Browser

NEW = "/nhac-viec/nhiem-vu/moi"
EXISTING = "/nhac-viec/nhiem-vu/ra-soat"  # the roster's one task (tests/web/conftest.py)
A_TASK = {"id": "bao-cao-quy", "title": "Báo cáo quý về Đề án 06", "kind": "quarterly",
          "when": "25", "quarter_month": "3", "time": "16:30", "groups": "tct-a"}  # fmt: skip


@pytest.fixture
def roster(console_config: Config) -> Path:
    return Path(console_config.scheduler.files[0])


def task_title(app: App, task_id: str) -> str | None:
    """What the running reminders know of a task."""
    row = app.storage.db.execute("SELECT title FROM tasks WHERE id = ?", [task_id]).fetchone()
    return row[0] if row else None


async def create(browser: Browser, **fields: str) -> tuple[int, str]:
    return await browser.post(NEW, {"csrf": await browser.csrf(NEW), **A_TASK, **fields})


class TestCreatingATask:
    async def test_a_new_task_is_written_reminded_from_and_audited(
        self, browser: Browser, running: App, roster: Path
    ):
        await browser.login("lan")
        status, html = await create(browser)
        assert status == 200 and "Đã lưu" in html
        written = yaml.safe_load(roster.read_text(encoding="utf-8"))
        assert written["tasks"][-1] == {"id": "bao-cao-quy", "title": A_TASK["title"],
                                        "quarterly": 25, "quarter_month": 3, "time": "16:30",
                                        "groups": ["tct-a"]}  # fmt: skip
        assert written["tasks"][0]["id"] == "ra-soat" and written["units"], "the rest kept"
        assert task_title(running, "bao-cao-quy") == A_TASK["title"]
        line = AuditLog(running.storage.db).latest()[0]
        assert (line.action, line.result, line.who) == ("task-create bao-cao-quy", "ok", "lan")

    @pytest.mark.parametrize(("fields", "problem"), [
        ({"kind": "due", "when": "2026-02-30"}, "hạn"),
        ({"groups": "khong-co-to"}, "tổ công tác 'khong-co-to' không tồn tại"),
        ({"time": "25:00"}, "giờ '25:00' phải có dạng HH:MM"),
        ({"id": "ra-soat"}, "đã khai báo"),
        ({"kind": "cron", "when": "0 9 * * 1"}, "thứ trong tuần của cron"),
    ])  # fmt: skip
    async def test_a_task_with_a_problem_shows_it_and_writes_nothing(
        self, browser: Browser, running: App, roster: Path, fields, problem
    ):
        before = roster.read_bytes()
        await browser.login("lan")
        status, html = await create(browser, **fields)
        shown = unescape(html)
        assert status == 400 and "Chưa lưu, tệp giữ nguyên" in shown
        assert f"{roster}:" in shown and problem in shown, "file:line: problem as tasks check"
        assert roster.read_bytes() == before
        assert AuditLog(running.storage.db).latest()[0].result == "failed"


class TestChangingATask:
    async def test_a_changed_task_keeps_one_recurrence_and_is_reminded_from(
        self, browser: Browser, running: App, roster: Path
    ):
        await browser.login("lan")
        fields = await browser.form(EXISTING, "task")
        assert fields["kind"] == "due" and fields["groups"] == "tct-a"
        status, _ = await browser.post(EXISTING, {**fields, "title": "Rà soát dữ liệu tháng",
                                                  "kind": "monthly", "when": "20"})  # fmt: skip
        assert status == 200
        (task,) = yaml.safe_load(roster.read_text(encoding="utf-8"))["tasks"]
        assert task == {"id": "ra-soat", "title": "Rà soát dữ liệu tháng", "monthly": 20,
                        "groups": ["tct-a"]}  # fmt: skip
        assert task_title(running, "ra-soat") == "Rà soát dữ liệu tháng"
        assert AuditLog(running.storage.db).latest()[0].action == "task-edit ra-soat"

    async def test_a_form_opened_before_another_save_is_refused(
        self, browser: Browser, roster: Path
    ):
        await browser.login("lan")
        stale = await browser.form(EXISTING, "task")
        assert (await browser.post(EXISTING, {**stale, "time": "09:00"}))[0] == 200
        saved = roster.read_bytes()
        status, html = await browser.post(EXISTING, {**stale, "title": "Đè lên"})
        assert status == 400 and "đã được sửa từ lúc mở biểu mẫu" in html
        assert roster.read_bytes() == saved

    async def test_an_unknown_task_is_not_found(self, browser: Browser):
        await browser.login("lan")
        assert (await browser.get("/nhac-viec/nhiem-vu/khong-co"))[0] == 404


class TestWhoMayChangeTasks:
    async def test_a_viewer_sees_the_task_but_changes_nothing(
        self, browser: Browser, running: App, roster: Path
    ):
        before = roster.read_bytes()
        await browser.login("minh")
        _, page = await browser.get("/nhac-viec")
        assert 'id="new-task"' not in page
        _, form = await browser.get(EXISTING)
        assert 'id="save"' not in form
        status, _ = await create(browser)
        assert status == 403 and roster.read_bytes() == before
        assert AuditLog(running.storage.db).latest()[0].result == "refused"
