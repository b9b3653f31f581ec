"""What reminders say: the Vietnamese texts and buttons officials and leaders receive.

Pure formatting: the engine (`scheduler.delivery`) and the API (`scheduler.api`) pass in
the facts they looked up, so every wording lives here, once.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from foundations.delivery import OUTSIDE_WINDOW, REFUSED
from foundations.messages import Button, Reply
from scheduler.store import Occurrence

DONE_BUTTON = "✅ Đã hoàn thành"
SNOOZE_BUTTON = "⏰ Nhắc lại sau"
BUTTON_PREFIX = "nv"  # payloads "nv:done:<occurrence>" and "nv:snooze:<occurrence>"
# Why a reminder did not reach a member, as leaders read it (/tiendo, the notice).
UNDELIVERED_REASONS = {
    REFUSED: "nền tảng từ chối",
    OUTSIDE_WINDOW: "ngoài 48 giờ nhắn miễn phí của Zalo OA",
}
UNDELIVERED_ADVICE = {
    REFUSED: "Đề nghị nhắc trực tiếp.",
    OUTSIDE_WINDOW: "Thành viên chưa nhắn cho OA trong 48 giờ qua. Đề nghị nhắc trực tiếp và "
    "đề nghị thành viên nhắn một tin bất kỳ cho OA để nhận các nhắc việc sau.",
}


def format_due(due_at: datetime, tz: ZoneInfo) -> str:
    """A moment as officials read it: "17:00 ngày 15/08/2025", in the scheduler's timezone."""
    local = due_at.astimezone(tz)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def reminder_message(
    reminders: list[str], escalations: list[str], occurrence_ids: list[int]
) -> Reply:
    """One message for everything a member is due to hear now, with buttons for the tasks
    they are reminded of (escalations are about others, so they get none)."""
    blocks = reminders + escalations
    if len(blocks) == 1:
        title = "⏰ Nhắc việc" if reminders else "⚠️ Nhiệm vụ quá hạn"
        return Reply(
            blocks[0], title=title, buttons=_buttons(occurrence_ids), tags=frozenset({"reminder"})
        )
    text = "\n\n".join(f"{n}. {block}" for n, block in enumerate(blocks, start=1))
    return Reply(
        text,
        title=f"⏰ Anh/chị có {len(blocks)} nhắc việc",
        buttons=_buttons(occurrence_ids),
        tags=frozenset({"reminder"}),
    )


def reminder_text(occ: Occurrence, today: date, tz: ZoneInfo) -> str:
    """One task as its assignee reads it: title, deadline and countdown, legal basis."""
    lines = [occ.title, f"Hạn: {format_due(occ.due_at, tz)} ({_countdown(occ.due_at, today, tz)})"]
    if occ.legal_basis:
        lines.append(f"Căn cứ: {occ.legal_basis}")
    if occ.description:
        lines.append(occ.description)
    return "\n".join(lines)


def escalation_text(occ: Occurrence, tz: ZoneInfo, late: list[tuple[str, list[str]]]) -> str:
    """What a leader sees about one overdue occurrence: (group, names) still late."""
    lines = [f"{occ.title} — quá hạn từ {format_due(occ.due_at, tz)}. Chưa hoàn thành:"]
    lines += [f"• {group}: {', '.join(names)}" for group, names in late]
    return "\n".join(lines)


def blocked_notice(member: str, group: str) -> str:
    return (
        f"Thành viên {member} ({group}) đã chặn Trợ lý 06 nên không "
        "còn nhận được nhắc việc. Đề nghị liên hệ trực tiếp."
    )


def undelivered_notice(member: str, group: str, status: str) -> str:
    return (
        f"Không gửi được nhắc việc tới thành viên {member} ({group}): "
        f"{UNDELIVERED_REASONS[status]}. {UNDELIVERED_ADVICE[status]}"
    )


def _countdown(due_at: datetime, today: date, tz: ZoneInfo) -> str:
    days = (due_at.astimezone(tz).date() - today).days
    if days > 0:
        return f"còn {days} ngày"
    if days == 0:
        return "hạn hôm nay"
    return f"đã quá hạn {-days} ngày"


def _buttons(occurrence_ids: list[int]) -> tuple[tuple[Button, ...], ...]:
    if len(occurrence_ids) == 1:
        occ = occurrence_ids[0]
        return (
            (
                Button(DONE_BUTTON, f"{BUTTON_PREFIX}:done:{occ}"),
                Button(SNOOZE_BUTTON, f"{BUTTON_PREFIX}:snooze:{occ}"),
            ),
        )
    return tuple(
        (
            Button(f"{DONE_BUTTON} ({n})", f"{BUTTON_PREFIX}:done:{occ}"),
            Button(f"{SNOOZE_BUTTON} ({n})", f"{BUTTON_PREFIX}:snooze:{occ}"),
        )
        for n, occ in enumerate(occurrence_ids, start=1)
    )
