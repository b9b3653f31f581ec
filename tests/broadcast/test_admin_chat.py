"""/thongbao in chat: an admin drafts a broadcast to opted-in citizens, sees the preview and
the exact message, then presses Gửi or Hủy; anyone else is turned away."""

from foundations.messages import Reply
from handlers.audit import AuditLog
from handlers.broadcast_store import Broadcasts
from handlers.store import Storage
from tests.broadcast.conftest import Say, opt_in

TEXT = "Tối nay 20:00 hệ thống VNeID bảo trì 2 giờ."


def payloads(reply: Reply) -> list[str]:
    return [button.payload for button in reply.all_buttons()]


async def test_an_admin_drafts_sees_the_preview_and_sends(
    say: Say, storage: Storage, broadcasts: Broadcasts
):
    opt_in(storage, "telegram", "t1", "t2")
    summary, message, question = await say(f"/thongbao {TEXT}\nXin cảm ơn.")
    assert "Thông báo #1 (bản nháp)" in summary.text and "2 người nhận" in summary.text
    assert message.text.startswith(f"{TEXT}\nXin cảm ơn.")  # line breaks kept
    assert message.title == "📢 Thông báo"
    assert payloads(question) == ["tb:send:1", "tb:cancel:1"]
    [sent] = await say(press="tb:send:1")
    assert "bắt đầu gửi thông báo #1 tới 2 người" in sent.text
    assert broadcasts.progress(1).counts == {"pending": 2}
    [status] = await say("/thongbao")
    assert status.text.startswith("Thông báo #1 (đang gửi)")


async def test_an_admin_can_cancel_the_draft(say: Say, storage: Storage, broadcasts: Broadcasts):
    opt_in(storage, "telegram", "t1")
    await say(f"/thongbao {TEXT}")
    [cancelled] = await say(press="tb:cancel:1")
    assert cancelled.text == "Đã hủy thông báo #1."
    [again] = await say(press="tb:send:1")
    assert "chỉ gửi được bản nháp" in again.text


async def test_a_citizen_cannot_broadcast_nor_press_the_buttons(
    say: Say, storage: Storage, broadcasts: Broadcasts
):
    opt_in(storage, "telegram", "t1")
    await say(f"/thongbao {TEXT}")
    [refused] = await say(f"/thongbao {TEXT}", user="99")
    [pressed] = await say(press="tb:send:1", user="99")
    assert refused.text == pressed.text == "Lệnh này chỉ dành cho quản trị viên."
    assert [p.broadcast.status for p in broadcasts.recent()] == ["draft"]


async def test_every_attempt_is_in_the_audit_log(say: Say, storage: Storage):
    opt_in(storage, "telegram", "t1")
    await say(f"/thongbao {TEXT}")
    await say(press="tb:send:1")
    await say(press="tb:cancel:1", user="99")
    lines = [(e.who, e.action, e.result) for e in reversed(AuditLog(storage.db).latest())]
    assert lines == [("telegram:1", "/thongbao", "ok"), ("telegram:1", "/thongbao send 1", "ok"),
                     ("telegram:99", "/thongbao cancel 1", "refused")]
