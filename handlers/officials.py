"""Commands of the Đề án 06 working groups: join, leave, my tasks, progress, reminder buttons.

The reminder engine and its data live in scheduler/; this module only turns what an
official typed or pressed into one `scheduler.api` call and its answer into Vietnamese text.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime

from foundations.messages import Reply
from handlers.admin import ADMINS_ONLY, admin_allowed
from handlers.router import Context, Router
from scheduler import api
from scheduler.app import Officials
from scheduler.messages import BUTTON_PREFIX

router = Router("officials")

NOT_ENABLED = "Chức năng nhắc việc cho tổ công tác chưa được bật trên hệ thống này."
NOT_MEMBER = (
    "Anh/chị chưa tham gia tổ công tác nào. Gõ /dangky MÃ_TỔ hoặc chia sẻ số điện thoại "
    "đã đăng ký với tổ trưởng."
)
USAGE_CREATE = (
    "Cú pháp: /taonhiemvu MÃ_TỔ_HOẶC_ĐƠN_VỊ NGÀY(dd/mm/yyyy) [GIỜ(HH:MM)] Tiêu đề [| Căn cứ]"
)

OfficialsHandler = Callable[[Context, Officials], Awaitable[list[Reply] | None]]
Handler = Callable[[Context], Awaitable[list[Reply] | None]]


def needs_officials(silent: bool = False) -> Callable[[OfficialsHandler], Handler]:
    """The one "officials enabled?" guard: the handler gets the feature; when it is off the
    chat is told so, or (`silent`) the next handler may take the message."""

    def wrap(handler: OfficialsHandler) -> Handler:
        @functools.wraps(handler)
        async def guarded(ctx: Context) -> list[Reply] | None:
            officials = ctx.services.extras.get("officials")
            if officials is None:
                return None if silent else [Reply(NOT_ENABLED)]
            return await handler(ctx, officials)

        return guarded

    return wrap


@router.command("dangky", "Tham gia tổ công tác bằng mã tổ")
@needs_officials()
async def register(ctx: Context, officials: Officials) -> list[Reply]:
    """Join a group with its code; without a code, explain and offer the phone button."""
    if len(ctx.args) != 1:
        return [
            Reply(
                "Cú pháp: /dangky MÃ_TỔ\nHoặc bấm nút chia sẻ số điện thoại nếu tổ trưởng đã "
                "đưa số của anh/chị vào danh sách.",
                request_phone=True,
            )
        ]
    incoming = ctx.incoming
    joined = api.join_by_code(
        officials, incoming.channel, incoming.chat_id, ctx.args[0], incoming.display_name
    )
    if joined is None:
        return [
            Reply(
                f"Không có tổ công tác nào có mã {ctx.args[0].upper()}. "
                "Anh/chị kiểm tra lại mã với tổ trưởng."
            )
        ]
    if not joined.new:
        return [Reply(f"Anh/chị đã ở trong {joined.group}.")]
    return [
        Reply(
            f"Đã tham gia {joined.group}. Nhắc việc sẽ được gửi tới đây; gõ /nhiemvu để xem "
            "nhiệm vụ, /roi để dừng nhận."
        )
    ]


@router.contact()
@needs_officials(silent=True)
async def register_by_phone(ctx: Context, officials: Officials) -> list[Reply] | None:
    """A shared phone number found in a roster links this chat to those groups."""
    incoming = ctx.incoming
    groups = api.join_by_phone(officials, incoming.channel, incoming.chat_id, incoming.phone or "")
    if groups is None:
        return None
    if not groups:
        return [
            Reply(
                "Số điện thoại này chưa có trong danh sách tổ công tác nào. Anh/chị "
                "liên hệ tổ trưởng, hoặc gõ /dangky MÃ_TỔ."
            )
        ]
    return [Reply(f"Đã xác nhận: anh/chị thuộc {', '.join(groups)}. Gõ /nhiemvu để xem nhiệm vụ.")]


@router.command("roi", "Rời tổ công tác, dừng nhận nhắc việc")
@needs_officials()
async def leave_groups(ctx: Context, officials: Officials) -> list[Reply]:
    if not api.leave(officials, ctx.incoming.channel, ctx.incoming.chat_id):
        return [Reply("Anh/chị chưa tham gia tổ công tác nào.")]
    return [Reply("Đã dừng gửi nhắc việc tới đây. Gõ /dangky MÃ_TỔ để tham gia lại.")]


@router.command("nhiemvu", "Nhiệm vụ chưa hoàn thành của tôi")
@needs_officials()
async def my_tasks(ctx: Context, officials: Officials) -> list[Reply]:
    channel, chat_id = ctx.incoming.channel, ctx.incoming.chat_id
    if not api.is_member(officials, channel, chat_id):
        return [Reply(NOT_MEMBER)]
    tasks = api.open_tasks(officials, channel, chat_id)
    if not tasks:
        return [Reply("Anh/chị không còn nhiệm vụ nào chưa hoàn thành. 👍")]
    lines = [f"• {task.title} — hạn {task.due}" for task in tasks]
    return [Reply("\n".join(lines), title="Nhiệm vụ chưa hoàn thành")]


@router.command("tiendo", "Tiến độ hoàn thành của các tổ (dành cho tổ trưởng)")
@needs_officials()
async def progress(ctx: Context, officials: Officials) -> list[Reply]:
    """Per-group completion of current occurrences, for the groups a leader watches."""
    channel, chat_id = ctx.incoming.channel, ctx.incoming.chat_id
    if not api.is_leader(officials, channel, chat_id):
        return [Reply("Lệnh /tiendo dành cho tổ trưởng.")]
    blocks = [_progress_block(task) for task in api.progress(officials, channel, chat_id)]
    if not blocks:
        return [Reply("Hiện không có nhiệm vụ nào đang theo dõi.")]
    return [Reply("\n\n".join(blocks), title="Tiến độ nhiệm vụ")]


def _progress_block(task: api.TaskProgress) -> str:
    lines = [f"{task.title} — hạn {task.due}"]
    for group in task.groups:
        line = f"• {group.name}: {group.done}/{group.total} đã hoàn thành"
        for reason, count in group.undelivered:
            line += f" ({count} người không nhận được nhắc việc: {reason})"
        lines.append(line)
    return "\n".join(lines)


@router.button(BUTTON_PREFIX)
@needs_officials()
async def reminder_button(ctx: Context, officials: Officials) -> list[Reply]:
    """✅ Đã hoàn thành / ⏰ Nhắc lại sau on a reminder."""
    if len(ctx.args) != 2 or not ctx.args[1].isdigit():
        return [Reply("Nút này không còn dùng được.")]
    action, occurrence_id = ctx.args[0], int(ctx.args[1])
    press = api.press_done if action == "done" else api.press_snooze
    pressed = press(officials, ctx.incoming.channel, ctx.incoming.chat_id, occurrence_id)
    if pressed is None:
        return [Reply("Nhiệm vụ này không còn giao cho anh/chị.")]
    if pressed.again_at is None:
        return [Reply(f"✅ Đã ghi nhận hoàn thành: {pressed.title}. Cảm ơn anh/chị!")]
    return [Reply(f"⏰ Sẽ nhắc lại lúc {officials.format_due(pressed.again_at)}.")]


@router.command("taonhiemvu")
@needs_officials()
async def create_task(ctx: Context, officials: Officials) -> list[Reply]:
    """Admins create a one-off task from chat; not advertised in the command menu."""
    if not admin_allowed(ctx, "/taonhiemvu"):
        return [Reply(ADMINS_ONLY)]
    parsed = _parse_create(ctx.args, officials)
    if isinstance(parsed, str):
        return [Reply(parsed)]
    targets, due_at, title, legal_basis = parsed
    api.create_task(officials, targets, due_at, title, legal_basis)
    return [
        Reply(
            f"Đã tạo nhiệm vụ “{title}”, hạn {officials.format_due(due_at)}, "
            f"giao cho {', '.join(targets)}."
        )
    ]


def _parse_create(
    args: list[str], officials: Officials
) -> tuple[list[str], datetime, str, str] | str:
    """Arguments of /taonhiemvu, or the message explaining what is wrong."""
    if len(args) < 3:
        return USAGE_CREATE
    resolved = {text: api.resolve_target(officials, text) for text in args[0].split(",")}
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
    if due_at <= officials.now():
        return (f"Hạn {officials.format_due(due_at)} đã qua: nhiệm vụ mới cần hạn "
                f"sau thời điểm hiện tại.\n{USAGE_CREATE}")
    title, _, legal_basis = " ".join(rest).partition("|")
    if not title.strip():
        return USAGE_CREATE
    return targets, due_at, title.strip(), legal_basis.strip()
