"""The console is a channel of the same bot: numbered choices, the storage and admin
commands `troly06 run` has, reminders to officials who joined there, and the `run` fallback."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import App, run
from bot.cli import main
from foundations.settings import Config
from tests.console.conftest import Terminal
from tests.roster_files import DUE_NOW, JOIN_CODE, TASK_TITLE, write_roster


async def test_console_shows_numbered_choices_and_a_number_picks_one(
    console: tuple[App, Terminal],
) -> None:
    _, terminal = console
    await terminal.shows("Gõ một số từ 1 đến")
    terminal.type("2")
    assert "  2. Đăng nhập, mật khẩu và sự cố VNeID" in terminal.transcript
    category = await terminal.shows("Chọn câu hỏi bạn quan tâm")  # the category it opened
    assert "Đăng nhập, mật khẩu và sự cố VNeID\n\nChọn câu hỏi" in terminal.transcript
    assert "VNEID" not in category  # headings are shown as written, not upper-cased


@pytest.fixture
def console_settings(tmp_path: Path) -> dict[str, object]:
    return {"scheduler__files": [str(write_roster(tmp_path))],
            **{f"scheduler__{key}": value for key, value in DUE_NOW.items()}}  # fmt: skip


async def test_an_official_who_joined_in_the_console_gets_reminders_there(
    console: tuple[App, Terminal],
) -> None:
    app, terminal = console
    terminal.type(f"/dangky {JOIN_CODE}")
    await terminal.shows("Đã tham gia Tổ công tác phường Kiểm Thử")
    await app.services.extras["officials"].timer.run()  # the reminder timer fires
    reminder = await terminal.shows(TASK_TITLE)
    assert "1. ✅ Đã hoàn thành" in reminder
    status = app.storage.db.execute("SELECT status FROM deliveries").fetchall()
    assert status == [("sent",)]
    terminal.type("1")  # the number presses the reminder's button
    await terminal.shows(f"Đã ghi nhận hoàn thành: {TASK_TITLE}")


def test_chat_is_the_bot_run_composes_with_its_storage_admins_and_reminders(
    make_config: Callable[..., Config], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_config(admin__users=["console:local"], scheduler__files=[str(write_roster(tmp_path))])
    monkeypatch.setattr("sys.stdin", io.StringIO(
        "làm sao để bay lên mặt trăng bằng vneid\n/chuatraloi\n/dangky\n"))
    assert main(["chat", "--config", str(tmp_path / "config.yaml")]) == 0
    out = capsys.readouterr().out
    assert "1. làm sao để bay lên mặt trăng bằng vneid (1)" in out  # recorded, listed
    assert "Cú pháp: /dangky MÃ_TỔ" in out  # reminders are on, as configured
    assert "chưa được bật" not in out


async def test_run_without_a_token_says_so_and_opens_the_console_with_its_pid(
    make_config: Callable[..., Config], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("quên mật khẩu vneid\n"))
    await run(make_config(scheduler__enabled=False))
    out = capsys.readouterr().out
    assert "telegram.token" in out
    assert f"pid {os.getpid()}" in out and f"kill -HUP {os.getpid()}" in out
    assert "👍 Hữu ích" in out
