"""An impossible date (`2026-13-01`, `2026-02-30`) in a data file is a `file:line: problem`
like any other, in every command that reads the file, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.cli import main
from tests.faq_files import entry_yaml

TASKS = """\
units:
  - {id: x, name: Xã A, level: xa}
groups:
  - {id: g, name: Tổ, unit: x, join_code: TOXA06}
tasks:
  - id: bao-cao
    title: Báo cáo
    due: 2026-13-01
    groups: [g]
"""


@pytest.fixture
def tasks_file(tmp_path: Path) -> Path:
    path = tmp_path / "nhiem-vu.yaml"
    path.write_text(TASKS, encoding="utf-8")
    return path


@pytest.fixture
def faq_with_impossible_date(make_faq_dir) -> Path:
    text = entry_yaml("mot", "Hỏi gì?", ["a b", "c d", "e f", "g h"]).replace(
        "updated: 2026-11-22", "updated: 2026-02-30")
    return make_faq_dir({"a.yaml": text})


def test_tasks_check_names_the_impossible_due_date(tasks_file, capsys):
    assert main(["tasks", "check", str(tasks_file)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{tasks_file}:8: hạn '2026-13-01' là ngày không có thật (không có tháng 13)"]


def test_kb_check_names_the_impossible_updated_date(faq_with_impossible_date, capsys):
    assert main(["kb", "check", str(faq_with_impossible_date)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{faq_with_impossible_date / 'a.yaml'}:14: 'updated': '2026-02-30' là ngày không có "
        "thật (tháng 2/2026 không có ngày 30)"]


def test_run_refuses_such_a_faq_with_the_same_line(tmp_path, faq_with_impossible_date, capsys):
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  path: {tmp_path / 'bot.db'}\n"
                      f"knowledge:\n  faq_dir: {faq_with_impossible_date}\n", encoding="utf-8")
    assert main(["--config", str(config), "run"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"Lỗi: {faq_with_impossible_date / 'a.yaml'}:14: 'updated': '2026-02-30' là ngày "
        "không có thật (tháng 2/2026 không có ngày 30)"]


def test_the_bot_starts_with_such_a_task_file_and_logs_its_line(make_config, tasks_file, caplog):
    App(make_config(scheduler__files=[str(tasks_file)]))
    assert f"{tasks_file}:8: hạn '2026-13-01' là ngày không có thật (không có tháng 13)" in [
        r.getMessage() for r in caplog.records]
