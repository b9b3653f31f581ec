"""The audit log: who did what, when and from where, including what was refused.

Admins answer for what the bot tells citizens and whom it reminds, so every action in the
console (and the chat admin commands) leaves a line here, and so does every refused one:
a failed login or a viewer pressing an admin button is exactly what an inspection asks for.
It sits in handlers/ because the chat's admin commands are its lowest writer; the web
console and the command line above it write and read the same table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from foundations.database import migrate, now_iso
from foundations.privacy import redact
from knowledge.review_dates import VIETNAM

COMPONENT = "audit"
OK, FAILED, REFUSED = "ok", "failed", "refused"
COMMAND_LINE = "dòng lệnh"  # who and where, for what is done with a troly06 command
SIGNAL = "tín hiệu SIGHUP"  # who and where, for a reload asked by kill -HUP or kb reload
RESULT_LABELS = {OK: "thành công", FAILED: "thất bại", REFUSED: "bị từ chối"}
# Actions are stored as short codes ("attach lam-the"); admins read them in Vietnamese.
ACTION_LABELS = {
    "login": "đăng nhập", "logout": "đăng xuất", "reload": "tải lại tệp",
    "csrf": "gửi biểu mẫu sai mã", "attach": "gắn câu hỏi vào mục",
    "offtopic": "đánh dấu ngoài phạm vi", "broadcast-draft": "soạn thông báo",
    "broadcast-send": "gửi thông báo", "broadcast-cancel": "hủy thông báo",
    "entry-edit": "sửa mục", "task-create": "tạo nhiệm vụ", "task-edit": "sửa nhiệm vụ",
}  # fmt: skip


def _v1_tables(db: sqlite_utils.Database) -> None:
    db["audit_log"].create(
        {"id": int, "at": str, "who": str, "action": str, "detail": str, "result": str,
         "origin": str},
        pk="id",
        not_null={"at", "who", "action", "result", "origin"},
    )  # fmt: skip
    db["audit_log"].create_index(["at"])


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    who: str
    action: str
    detail: str
    result: str
    origin: str

    @property
    def result_label(self) -> str:
        return RESULT_LABELS.get(self.result, self.result)

    @property
    def action_label(self) -> str:
        code, _, rest = self.action.partition(" ")
        return f"{ACTION_LABELS.get(code, code)} {rest}".strip()

    @property
    def local_at(self) -> datetime:
        """When, on the admins' clock."""
        return self.at.astimezone(VIETNAM)


class AuditLog:
    """Append-only lines in the shared database."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        migrate(db, COMPONENT, [_v1_tables])

    def record(
        self, who: str, action: str, origin: str, result: str = OK, detail: str = ""
    ) -> None:
        """One line; `origin` is the IP address or "telegram:123"; details are redacted."""
        with self.db.conn:
            self.db["audit_log"].insert({
                "at": now_iso(), "who": redact(who),
                "action": action, "detail": redact(detail), "result": result,
                "origin": origin,
            })  # fmt: skip

    def latest(self, limit: int = 200) -> list[AuditEntry]:
        """The newest lines first."""
        rows = self.db.execute(
            "SELECT at, who, action, detail, result, origin FROM audit_log "
            "ORDER BY id DESC LIMIT ?",
            [limit],
        ).fetchall()
        return [
            AuditEntry(datetime.fromisoformat(r[0]), r[1], r[2], r[3] or "", r[4], r[5])
            for r in rows
        ]
