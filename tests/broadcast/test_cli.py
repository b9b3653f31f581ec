"""`troly06 broadcast create|preview|send|cancel|status`: every admin action answered with
clear Vietnamese lines, every mistake with one line and a non-zero exit."""

from __future__ import annotations

import pytest

from bot.cli import main
from foundations.settings import Config
from handlers.audit import AuditLog
from handlers.store import Storage
from tests.broadcast.conftest import opt_in

TEXT = "Sáng thứ Bảy 06/12 phường làm căn cước lưu động tại nhà văn hóa tổ dân phố số 3."


@pytest.fixture
def admin(config: Config, storage: Storage, capsys):
    """`troly06 broadcast …` on the test configuration; returns (exit code, out, err)."""
    opt_in(storage, "telegram", "t1", "t2")
    opt_in(storage, "zalo_bot", "z1")
    capsys.readouterr()

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["broadcast", *args, "--config", str(config.source)])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_create_drafts_and_shows_the_preview_and_the_next_step(admin):
    code, out, _ = admin("create", TEXT)
    assert code == 0
    assert out.startswith("Đã tạo bản nháp thông báo #1.\n")
    assert "3 người nhận" in out and "- Telegram: 2 người" in out and "- Zalo Bot: 1 người" in out
    assert "troly06 broadcast send 1" in out


def test_a_draft_to_one_channel_or_from_a_file(admin, tmp_path):
    text_file = tmp_path / "thong-bao.txt"
    text_file.write_text(TEXT, encoding="utf-8")
    code, out, _ = admin("create", "--file", str(text_file), "--channel", "zalo_bot")
    assert code == 0 and "1 người nhận" in out and "Telegram" not in out


def test_send_confirms_and_says_the_bot_is_not_running(admin):
    admin("create", TEXT)
    code, out, _ = admin("send", "1")
    assert code == 0
    assert "Đã xác nhận thông báo #1: gửi tới 3 người." in out
    assert "sẽ được gửi khi troly06 run khởi động" in out
    code, out, _ = admin("status", "1")
    assert out.strip().endswith("3 người nhận; 3 chờ gửi.")


def test_status_without_a_number_lists_the_latest(admin):
    code, out, _ = admin("status")
    assert (code, out.strip()) == (0, "Chưa có thông báo nào.")
    admin("create", TEXT)
    admin("create", TEXT)
    _, out, _ = admin("status")
    assert out.splitlines()[0].startswith("Thông báo #2 (bản nháp)")


def test_cancel_drops_a_draft(admin):
    admin("create", TEXT)
    code, out, _ = admin("cancel", "1")
    assert code == 0 and out.startswith("Thông báo #1 (đã hủy)")


@pytest.mark.parametrize(("args", "culprit"), [
    (["preview", "9"], "Không có thông báo số 9."),
    (["create"], "hoặc NỘI_DUNG, hoặc --file TỆP"),
    (["create", "  "], "Nội dung thông báo đang trống."),
    (["create", TEXT, "--groups", "KHONGCO"], "'KHONGCO'"),
    (["create", TEXT, "--groups", "a", "--channel", "telegram"], "--channel chỉ dùng"),
    (["create", "--file", "/khong/co/tep.txt"], "/khong/co/tep.txt: không có tệp này."),
])  # fmt: skip
def test_a_mistake_is_one_line_naming_it(admin, args, culprit):
    code, out, err = admin(*args)
    assert code == 1 and out == ""
    assert err.startswith("Lỗi: ") and culprit in err and err.count("\n") == 1


def test_sending_twice_is_refused(admin):
    admin("create", TEXT)
    admin("send", "1")
    code, _, err = admin("send", "1")
    assert code == 1 and "chỉ gửi được bản nháp" in err


@pytest.mark.parametrize("args", [
    ["send", "0"], ["send", "một"], ["create", "x", "--channel", "sms"],
])  # fmt: skip
def test_argument_errors_are_vietnamese(admin, args):
    with pytest.raises(SystemExit) as exit_:
        admin(*args)
    assert exit_.value.code == 2


def test_create_send_and_cancel_are_in_the_audit_log_failures_with_their_reason(
    admin, storage: Storage
):
    admin("create", TEXT)
    admin("send", "1")
    admin("cancel", "7")
    lines = [(e.action, e.result, e.detail) for e in reversed(AuditLog(storage.db).latest())]
    assert lines == [("broadcast create", "ok", ""), ("broadcast send 1", "ok", ""),
                     ("broadcast cancel 7", "failed", "Không có thông báo số 7.")]
