"""Broadcasts in chat: citizens opt in and out; admins draft, preview and send one.

`/nhanthongbao` and `/huythongbao` set the citizen's `opted_in` in the users table (every
channel alike). `/thongbao NỘI DUNG` (admins in `admin.users`, not advertised) drafts a
broadcast to every opted-in citizen and shows its preview with "Gửi" / "Hủy" buttons;
`/thongbao` alone lists the latest broadcasts with their progress. The engine is
handlers/broadcast_store.py (bot/broadcast.py sends), reached through
`Services.extras["broadcasts"]`.
"""

from __future__ import annotations

from foundations.messages import Button, Reply
from handlers import payloads
from handlers.admin import ADMINS_ONLY, admin_allowed
from handlers.broadcast_model import Audience, BroadcastError
from handlers.broadcast_store import Broadcasts
from handlers.router import Context, Router

router = Router("broadcast")

PREFIX = "tb"  # payloads "tb:send:<id>", "tb:cancel:<id>"
NOT_AVAILABLE = "Chức năng thông báo chưa sẵn sàng trên hệ thống này."
OPTED_IN = ("Đã đăng ký: anh/chị sẽ nhận thông báo của cơ quan chức năng tại đây. "
            "Gõ /huythongbao để dừng nhận bất cứ lúc nào.")
ALREADY_IN = "Anh/chị đã đăng ký nhận thông báo rồi. Gõ /huythongbao để dừng nhận."
OPTED_OUT = "Đã hủy: anh/chị sẽ không nhận thông báo nữa. Gõ /nhanthongbao để nhận lại."
ALREADY_OUT = "Anh/chị hiện không nhận thông báo. Gõ /nhanthongbao để đăng ký nhận."
USAGE = ("Cú pháp: /thongbao NỘI DUNG — soạn thông báo tới người dân đã đăng ký, xem trước "
         "rồi bấm Gửi. /thongbao không kèm nội dung: xem tiến độ các thông báo gần đây.")


@router.command("nhanthongbao", "Nhận thông báo của cơ quan chức năng")
async def opt_in(ctx: Context) -> list[Reply]:
    return [Reply(_set_choice(ctx, True) or NOT_AVAILABLE)]


@router.command("huythongbao", "Dừng nhận thông báo")
async def opt_out(ctx: Context) -> list[Reply]:
    return [Reply(_set_choice(ctx, False) or NOT_AVAILABLE)]


def _set_choice(ctx: Context, opted_in: bool) -> str | None:
    """The reply to an opt-in or opt-out, None when there is no storage to keep it."""
    storage = ctx.services.storage
    if storage is None:
        return None
    changed = storage.set_opted_in(ctx.incoming.channel, ctx.incoming.user_id, opted_in)
    if opted_in:
        return OPTED_IN if changed else ALREADY_IN
    return OPTED_OUT if changed else ALREADY_OUT


@router.command("thongbao")
async def broadcast_command(ctx: Context) -> list[Reply]:
    """Draft a broadcast to opted-in citizens and preview it; alone, the latest progress."""
    broadcasts = _broadcasts(ctx, "/thongbao")
    if isinstance(broadcasts, Reply):
        return [broadcasts]
    text = (ctx.incoming.text or "").strip().partition(" ")[2].strip()  # keeps line breaks
    if not text:
        latest = [progress.describe() for progress in broadcasts.recent(5)]
        return [Reply("\n".join(latest or ["Chưa có thông báo nào."]) + f"\n\n{USAGE}")]
    try:
        draft = broadcasts.create(text, Audience.citizens(), by=_admin(ctx))
    except BroadcastError as exc:
        return [Reply(str(exc))]
    preview = broadcasts.preview(draft.id)
    buttons = ((Button("✅ Gửi", payloads.payload(PREFIX, "send", draft.id)),
                Button("❌ Hủy", payloads.payload(PREFIX, "cancel", draft.id))),)
    return [
        Reply(preview.describe(with_texts=False) + "\nNguyên văn tin người nhận thấy:"),
        draft.message(),
        Reply(f"Gửi thông báo #{draft.id} tới {preview.total} người?", buttons=buttons),
    ]


@router.button(PREFIX)
async def broadcast_button(ctx: Context) -> list[Reply]:
    """Confirm or cancel a draft from its preview."""
    action, number = [*ctx.args, "", ""][:2]
    broadcasts = _broadcasts(ctx, f"/thongbao {action} {number}")
    if isinstance(broadcasts, Reply):
        return [broadcasts]
    if not number.isdigit() or action not in ("send", "cancel"):
        return [Reply(USAGE)]
    try:
        if action == "send":
            progress = broadcasts.confirm(int(number), by=_admin(ctx))
            return [Reply(f"Đã xác nhận: bắt đầu gửi thông báo #{number} tới {progress.total} "
                          "người. Gõ /thongbao để xem tiến độ.")]
        broadcasts.cancel(int(number), by=_admin(ctx))
    except BroadcastError as exc:
        return [Reply(str(exc))]
    return [Reply(f"Đã hủy thông báo #{number}.")]


def _broadcasts(ctx: Context, action: str) -> Broadcasts | Reply:
    """The engine for an admin, or the reply that explains why not; the attempt is
    audited either way."""
    if not admin_allowed(ctx, action):
        return Reply(ADMINS_ONLY)
    broadcasts = ctx.services.extras.get("broadcasts")
    return broadcasts if broadcasts is not None else Reply(NOT_AVAILABLE)


def _admin(ctx: Context) -> str:
    return f"{ctx.incoming.channel}:{ctx.incoming.user_id}"
