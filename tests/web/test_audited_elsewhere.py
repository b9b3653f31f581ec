"""The audit log page also lists what admins do outside the console: a reload asked by
SIGHUP (`kill -HUP`, `troly06 kb review`'s nudge, `troly06 kb reload`) and the decisions of
`troly06 kb review` on the command line, failed ones too."""

from __future__ import annotations

from bot.app import App
from bot.cli import main
from foundations.settings import Config
from handlers.audit import AuditLog
from tests.web.conftest import Browser

MISSED = "xin giấy xác nhận độc thân online ở đâu vậy"
EDITS_FAQ = True  # its own FAQ copy (tests/web/conftest.py): the spec writes into it


async def test_a_reload_by_signal_is_audited_with_what_it_did(running: App, browser: Browser):
    await running.reload_in_background()
    line = AuditLog(running.storage.db).latest()[0]
    assert (line.who, line.action, line.result) == ("tín hiệu SIGHUP", "reload", "ok")
    assert "đang phục vụ" in line.detail
    await browser.login("minh")
    _, html = await browser.get("/nhat-ky")
    assert "tải lại tệp" in html and "tín hiệu SIGHUP" in html


def test_kb_review_decisions_on_the_command_line_are_audited(
    running: App, console_config: Config
):
    running.storage.record_question("telegram", "9", MISSED, MISSED, "fallback", None, 20.0)
    review = ["--config", str(console_config.source), "kb", "review"]
    assert main([*review, "--attach", "1", "khong-co-muc-nay"]) == 1
    assert main([*review, "--offtopic", "1"]) == 0
    failed, done = AuditLog(running.storage.db).latest()[1::-1]
    assert (failed.who, failed.action, failed.result) == (
        "dòng lệnh", "attach khong-co-muc-nay", "failed")
    assert "khong-co-muc-nay" in failed.detail
    assert (done.who, done.action, done.result) == ("dòng lệnh", "offtopic", "ok")
    assert "ngoai-pham-vi.yaml" in done.detail
