"""Commands of the Đề án 06 working groups: join, leave, my tasks, progress, reminder buttons.

The reminder engine and its data live in scheduler/; this module only turns what an
official typed or pressed into calls on `Services.extras["officials"]` and Vietnamese text.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from handlers.admin import ADMINS_ONLY, admin_allowed
from handlers.router import Context, Router
from handlers.types import Reply
from scheduler.app import Officials
from scheduler.files import normalize_phone
from scheduler.model import LEADER
from scheduler.service import BUTTON_PREFIX, UNDELIVERED_REASONS, Occurrence
from scheduler.store import MemberRow, join_by_code, join_by_phone, leave, members_of_chat

router = Router("officials")

NOT_ENABLED = "Chức năng nhắc việc cho tổ công tác chưa được bật trên hệ thống này."
NOT_MEMBER = (
    "Anh/chị chưa tham gia tổ công tác nào. Gõ /dangky MÃ_TỔ hoặc chia sẻ số điện thoại "
    "đã đăng ký với tổ trưởng."
)
LIST_AHEAD = timedelta(days=45)  # how far ahead /nhiemvu and /tiendo look
USAGE_CREATE = (
    "Cú pháp: /taonhiemvu MÃ_TỔ_HOẶC_ĐƠN_VỊ NGÀY(dd/mm/yyyy) [GIỜ(HH:MM)] Tiêu đề [| Căn cứ]"
)


def _officials(ctx: Context) -> Officials | None:
    return ctx.services.extras.get("officials")


def _me(ctx: Context, officials: Officials) -> list[MemberRow]:
    return members_of_chat(officials.db, ctx.incoming.channel, ctx.incoming.chat_id)


@router.command("dangky", "Tham gia tổ công tác bằng mã tổ")
async def register(ctx: Context) -> list[Reply]:
    """Join a group with its code; without a code, explain and offer the phone button."""
    officials = _officials(ctx)
    if officials is None:
        return [Reply(NOT_ENABLED)]
    if len(ctx.args) != 1:
        return [
            Reply(
                "Cú pháp: /dangky MÃ_TỔ\nHoặc bấm nút chia sẻ số điện thoại nếu tổ trưởng đã "
                "đưa số của anh/chị vào danh sách.",
                request_phone=True,
            )
        ]
    incoming = ctx.incoming
    joined = join_by_code(
        officials.db, ctx.args[0], incoming.channel, incoming.chat_id, incoming.display_name
    )
    if joined is None:
        return [
            Reply(
                f"Không có tổ công tác nào có mã {ctx.args[0].upper()}. "
                "Anh/chị kiểm tra lại mã với tổ trưởng."
            )
        ]
    group, new = joined
    if not new:
        return [Reply(f"Anh/chị đã ở trong {group}.")]
    return [
        Reply(
            f"Đã tham gia {group}. Nhắc việc sẽ được gửi tới đây; gõ /nhiemvu để xem "
            "nhiệm vụ, /roi để dừng nhận."
        )
    ]


@router.contact()
async def register_by_phone(ctx: Context) -> list[Reply] | None:
    """A shared phone number found in a roster links this chat to those groups."""
    officials = _officials(ctx)
    phone = normalize_phone(ctx.incoming.phone or "")
    if officials is None or phone is None:
        return None
    groups = join_by_phone(officials.db, phone, ctx.incoming.channel, ctx.incoming.chat_id)
    if not groups:
        return [
            Reply(
                "Số điện thoại này chưa có trong danh sách tổ công tác nào. Anh/chị "
                "liên hệ tổ trưởng, hoặc gõ /dangky MÃ_TỔ."
            )
        ]
    return [Reply(f"Đã xác nhận: anh/chị thuộc {', '.join(groups)}. Gõ /nhiemvu để xem nhiệm vụ.")]


@router.command("roi", "Rời tổ công tác, dừng nhận nhắc việc")
async def leave_groups(ctx: Context) -> list[Reply]:
    officials = _officials(ctx)
    if officials is None:
        return [Reply(NOT_ENABLED)]
    if not leave(officials.db, ctx.incoming.channel, ctx.incoming.chat_id):
        return [Reply("Anh/chị chưa tham gia tổ công tác nào.")]
    return [Reply("Đã dừng gửi nhắc việc tới đây. Gõ /dangky MÃ_TỔ để tham gia lại.")]


@router.command("nhiemvu", "Nhiệm vụ chưa hoàn thành của tôi")
async def my_tasks(ctx: Context) -> list[Reply]:
    officials = _officials(ctx)
    if officials is None:
        return [Reply(NOT_ENABLED)]
    me = _me(ctx, officials)
    if not me:
        return [Reply(NOT_MEMBER)]
    service = officials.service
    my_ids = {m.id for m in me}
    lines = []
    for occ in service.open_occurrences(service.clock.now(), ahead=LIST_AHEAD):
        if any(m["id"] in my_ids for m in service.members_not_done(occ)):
            lines.append(f"• {occ.title} — hạn {service.format_due(occ.due_at)}")
    if not lines:
        return [Reply("Anh/chị không còn nhiệm vụ nào chưa hoàn thành. 👍")]
    return [Reply("\n".join(lines), title="Nhiệm vụ chưa hoàn thành")]


@router.command("tiendo", "Tiến độ hoàn thành của các tổ (dành cho tổ trưởng)")
async def progress(ctx: Context) -> list[Reply]:
    """Per-group completion of current occurrences, for the groups a leader watches."""
    officials = _officials(ctx)
    if officials is None:
        return [Reply(NOT_ENABLED)]
    leaders = [m for m in _me(ctx, officials) if m.role == LEADER]
    if not leaders:
        return [Reply("Lệnh /tiendo dành cho tổ trưởng.")]
    service = officials.service
    watched = set().union(*(service.watched_groups(m.group_id) for m in leaders))
    blocks = [
        _progress_block(officials, occ, watched)
        for occ in service.open_occurrences(service.clock.now(), ahead=LIST_AHEAD)
        if occ.group_ids & watched
    ]
    if not blocks:
        return [Reply("Hiện không có nhiệm vụ nào đang theo dõi.")]
    return [Reply("\n\n".join(blocks), title="Tiến độ nhiệm vụ")]


def _progress_block(officials: Officials, occ: Occurrence, watched: set[str]) -> str:
    service = officials.service
    late = defaultdict(int)
    for member in service.members_not_done(occ):
        late[member["group_id"]] += 1
    lines = [f"{occ.title} — hạn {service.format_due(occ.due_at)}"]
    for group_id in sorted(occ.group_ids & watched):
        total = service.reachable_members(group_id)
        line = f"• {service.group_name(group_id)}: {total - late[group_id]}/{total} đã hoàn thành"
        for status, reason in UNDELIVERED_REASONS.items():
            count = service.refused_members(occ.id, group_id, status)
            if count:
                line += f" ({count} người không nhận được nhắc việc: {reason})"
        lines.append(line)
    return "\n".join(lines)


@router.button(BUTTON_PREFIX)
async def reminder_button(ctx: Context) -> list[Reply]:
    """✅ Đã hoàn thành / ⏰ Nhắc lại sau on a reminder."""
    officials = _officials(ctx)
    if officials is None:
        return [Reply(NOT_ENABLED)]
    if len(ctx.args) != 2 or not ctx.args[1].isdigit():
        return [Reply("Nút này không còn dùng được.")]
    action, occurrence_id = ctx.args[0], int(ctx.args[1])
    service = officials.service
    occ = service.occurrence(occurrence_id)
    mine = [m for m in _me(ctx, officials) if occ is not None and m.group_id in occ.group_ids]
    if occ is None or not mine:
        return [Reply("Nhiệm vụ này không còn giao cho anh/chị.")]
    if action == "done":
        for member in mine:
            service.mark_done(occ.id, member.id)
        return [Reply(f"✅ Đã ghi nhận hoàn thành: {occ.title}. Cảm ơn anh/chị!")]
    until = max(service.snooze(occ.id, member.id) for member in mine)
    local = until.astimezone(officials.tz)
    return [Reply(f"⏰ Sẽ nhắc lại lúc {local:%H:%M} ngày {local:%d/%m/%Y}.")]


@router.command("taonhiemvu")
async def create_task(ctx: Context) -> list[Reply]:
    """Admins create a one-off task from chat; not advertised in the command menu."""
    officials = _officials(ctx)
    if officials is None:
        return [Reply(NOT_ENABLED)]
    if not admin_allowed(ctx, "/taonhiemvu"):
        return [Reply(ADMINS_ONLY)]
    parsed = _parse_create(ctx.args, officials)
    if isinstance(parsed, str):
        return [Reply(parsed)]
    targets, due_at, title, legal_basis = parsed
    officials.create_task(targets, due_at, title, legal_basis)
    return [
        Reply(
            f"Đã tạo nhiệm vụ “{title}”, hạn {officials.service.format_due(due_at)}, "
            f"giao cho {', '.join(targets)}."
        )
    ]


def _parse_create(
    args: list[str], officials: Officials
) -> tuple[list[str], datetime, str, str] | str:
    """Arguments of /taonhiemvu, or the message explaining what is wrong."""
    if len(args) < 3:
        return USAGE_CREATE
    resolved = {text: officials.resolve_target(text) for text in args[0].split(",")}
    unknown = [text for text, ident in resolved.items() if ident is None]
    if unknown:
        return (f"Không có tổ, đơn vị hay mã tham gia nào là {', '.join(unknown)}."
                f"\n{USAGE_CREATE}")
    targets = [ident for ident in dict.fromkeys(resolved.values()) if ident is not None]
    rest = args[2:]
    moment = f"{args[1]} {officials.default_due_time}"
    if rest and rest[0].count(":") == 1 and rest[0].replace(":", "").isdigit():
        moment, rest = f"{args[1]} {rest[0]}", rest[1:]
    try:
        due_at = datetime.strptime(moment, "%d/%m/%Y %H:%M").replace(tzinfo=officials.tz)
    except ValueError:
        return f"Ngày giờ “{moment}” không hợp lệ.\n{USAGE_CREATE}"
    if due_at <= officials.service.clock.now():
        return (f"Hạn {officials.service.format_due(due_at)} đã qua: nhiệm vụ mới cần hạn "
                f"sau thời điểm hiện tại.\n{USAGE_CREATE}")
    title, _, legal_basis = " ".join(rest).partition("|")
    if not title.strip():
        return USAGE_CREATE
    return targets, due_at, title.strip(), legal_basis.strip()
