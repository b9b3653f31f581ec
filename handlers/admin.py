"""Admins in chat: reload the FAQ and task files, and see what citizens asked in vain.

Admins are listed in the `admin.users` config key as "channel:user_id". These commands are
not advertised in the command menu: citizens have no use for them.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import shlex
from dataclasses import dataclass, field

from foundations.messages import Reply
from foundations.yaml_lines import Problem
from handlers.audit import OK, REFUSED, AuditLog
from handlers.router import Context, Router, Services
from handlers.stats import figures_text, serving_figures
from knowledge.loader import KnowledgeLoadError
from knowledge.normalize import SynonymError
from knowledge.review_dates import entries_due, vietnam_today

log = logging.getLogger(__name__)
router = Router("admin")

ADMINS_ONLY = "Lệnh này chỉ dành cho quản trị viên."
MAX_PROBLEMS_SHOWN = 10
UNANSWERED_DAYS = 7


STATS_DAYS = 7


def is_admin(ctx: Context) -> bool:
    """Whether the sender is listed in `admin.users`."""
    admins = set(ctx.services.config.admin.users)
    return f"{ctx.incoming.channel}:{ctx.incoming.user_id}" in admins


def admin_allowed(ctx: Context, action: str) -> bool:
    """Whether the sender may run an admin command; the attempt goes to the audit log
    either way (refused ones are what an inspection looks for)."""
    allowed = is_admin(ctx)
    storage = ctx.services.storage
    if storage is not None:
        AuditLog(storage.db).record(f"{ctx.incoming.channel}:{ctx.incoming.user_id}", action,
                                    ctx.incoming.channel, OK if allowed else REFUSED)
    return allowed


@dataclass(frozen=True)
class PartReload:
    """What one reload did to one set of files: applied entirely, or not at all."""

    title: str
    applied: bool
    summary: str  # what was done and what serves now, e.g. "đã tải lại, đang phục vụ 53 mục"
    errors: list[Problem | str] = field(default_factory=list)
    warnings: list[Problem | str] = field(default_factory=list)
    check_hint: str = ""  # how to see every problem from a shell

    @property
    def problems(self) -> list[str]:
        return [str(p) for p in [*self.errors, *self.warnings]]

    def describe(self) -> str:
        """For the admin: exactly what happened, which files are at fault, how to check."""
        if self.applied:
            text = f"{self.title}: {self.summary}."
            if self.warnings:
                text += f" {len(self.warnings)} cảnh báo (không chặn việc áp dụng):"
        else:
            files = ", ".join(dict.fromkeys(p.file for p in self.errors if isinstance(p, Problem)))
            text = (f"{self.title}: chưa áp dụng thay đổi nào, kể cả ở các tệp không lỗi; "
                    f"vẫn {self.summary} như trước. Sửa {len(self.errors)} lỗi"
                    f"{f' trong {files}' if files else ''} rồi gửi lại /tailai:")
        shown = self.problems[:MAX_PROBLEMS_SHOWN]
        lines = [text, *shown]
        if len(self.problems) > len(shown):
            lines.append(f"… và {len(self.problems) - len(shown)} vấn đề khác.")
        if self.problems and self.check_hint:
            lines.append(self.check_hint)
        return "\n".join(lines)


async def reload_parts(services: Services) -> list[PartReload]:
    """Reload the knowledge base and the scheduler files; say what happened to each.

    Each part keeps serving what it had whenever its new files have errors, so a
    broken edit never takes the bot down. The knowledge base is parsed and indexed in a
    worker thread (seconds for a very large one) while the old one goes on answering;
    the scheduler files are written to SQLite on the event loop's own connection.
    """
    parts = [await _reload_knowledge(services), _reload_tasks(services)]
    for part in parts:
        for problem in part.problems:
            log.warning("reload: %s", problem)
    if gc.get_freeze_count():  # a settled process: the previous knowledge base is garbage now
        settle_memory()
    return parts


def settle_memory() -> None:
    """Collect once, then freeze what is left, so the collector's full passes skip it.

    Why: a full pass walks every object the process holds, the loaded knowledge base
    included; during a 3,000-reminder fan-out they took 0.4–1.5 s on the loaded 2-core
    machine, and no citizen was answered meanwhile (benchmarks/README.md). What start-up
    or a reload loaded lives until the next reload, so `troly06 run` settles once started
    and after every reload, unfreezing first so the previous knowledge base (its normaliser
    cache holds a reference cycle) can be collected.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


async def _reload_knowledge(services: Services) -> PartReload:
    knowledge = services.knowledge
    title = "Câu hỏi đáp"
    command = f"Kiểm tra lại các tệp FAQ bằng: {kb_check_command(services)}"
    try:
        report = await asyncio.to_thread(knowledge.reload)
    except KnowledgeLoadError as exc:
        summary = f"phục vụ {len(knowledge.kb.entries)} mục"
        return PartReload(title, False, summary, list(exc.report.errors),
                          list(exc.report.warnings), command)
    except SynonymError as exc:
        summary = f"phục vụ {len(knowledge.kb.entries)} mục"
        return PartReload(title, False, summary, str(exc).splitlines(), [], command)
    log.info("knowledge reloaded: %d entries", len(knowledge.kb.entries))
    summary = f"đã tải lại, đang phục vụ {len(knowledge.kb.entries)} mục"
    return PartReload(title, True, summary, [], list(report.warnings), command)


def _reload_tasks(services: Services) -> PartReload:
    title = "Nhắc việc"
    officials = services.extras.get("officials")
    if officials is None:
        if not services.config.scheduler.enabled:
            return PartReload(title, True, "đang tắt (scheduler.enabled: false)")
        return PartReload(title, True, "không chạy trong phiên này, không có tệp nào để tải")
    if not officials.files:
        return PartReload(title, True, "chưa khai báo tệp nào (scheduler.files)")
    names = ", ".join(str(path) for path in officials.files)
    problems = officials.reload()
    if problems:
        command = "Kiểm tra lại các tệp nhắc việc bằng: troly06 tasks check " + " ".join(
            shlex.quote(str(path)) for path in officials.files)
        return PartReload(title, False, "dùng dữ liệu đã tải trước đó", problems, [], command)
    return PartReload(title, True, f"đã tải lại {len(officials.files)} tệp ({names})")


def kb_check_command(services: Services) -> str:
    """The command that checks exactly the files this bot reloads, wherever it is typed."""
    knowledge = services.knowledge
    command = "troly06 kb check"
    if knowledge.faq_dir is not None:
        command += f" {shlex.quote(str(knowledge.faq_dir.resolve()))}"
    if knowledge.synonyms is not None:
        command += f" --synonyms {shlex.quote(str(knowledge.synonyms.resolve()))}"
    return command


@router.command("id")
async def id_command(ctx: Context) -> list[Reply]:
    """Tell users their own id: what an admin puts in `admin.users` to make them one."""
    me = f"{ctx.incoming.channel}:{ctx.incoming.user_id}"
    return [Reply(f"Mã của bạn trên kênh này: {me}\nQuản trị viên thêm đúng mã này vào "
                  "admin.users trong tệp cấu hình để cấp quyền quản trị.")]


@router.command("tailai")
async def reload_command(ctx: Context) -> list[Reply]:
    """Reload the FAQ and task files; errors keep the old data serving."""
    if not admin_allowed(ctx, "/tailai"):
        return [Reply(ADMINS_ONLY)]
    parts = await reload_parts(ctx.services)
    return [Reply("\n\n".join(part.describe() for part in parts))]


@router.command("chuatraloi")
async def unanswered_command(ctx: Context) -> list[Reply]:
    """The questions of the last week the bot could not answer, most asked first, then the
    entries whose facts must be re-checked soon (`review_by`)."""
    if not admin_allowed(ctx, "/chuatraloi"):
        return [Reply(ADMINS_ONLY)]
    return [Reply("\n\n".join([_unanswered_text(ctx), *_due_entries_text(ctx)]))]


def _unanswered_text(ctx: Context) -> str:
    storage = ctx.services.storage
    rows = storage.unanswered(days=UNANSWERED_DAYS) if storage is not None else []
    if not rows:
        return f"Trong {UNANSWERED_DAYS} ngày qua không có câu hỏi nào bị bỏ ngỏ."
    lines = [f"Câu hỏi chưa trả lời được trong {UNANSWERED_DAYS} ngày qua (số lần hỏi):"]
    lines += [f"{i}. {row['example']} ({row['times']})" for i, row in enumerate(rows, 1)]
    return "\n".join(lines)


def _due_entries_text(ctx: Context) -> list[str]:
    """One paragraph listing the entries to re-check, or none when nothing is due."""
    due = entries_due(ctx.kb, vietnam_today())
    if not due:
        return []
    lines = ["Mục cần kiểm tra lại vì thông tin có hạn (review_by):"]
    lines += [f"- {d.entry.id}: {d.entry.question} ({d.describe()})" for d in due]
    return ["\n".join(lines)]


@router.command("thongke")
async def stats_command(ctx: Context) -> list[Reply]:
    """The week's headline figures, the same as the console's overview."""
    if not admin_allowed(ctx, "/thongke"):
        return [Reply(ADMINS_ONLY)]
    storage = ctx.services.storage
    if storage is None:
        return [Reply("Bot đang chạy không có cơ sở dữ liệu nên chưa có thống kê.")]
    return [Reply(figures_text(serving_figures(storage.db, STATS_DAYS, vietnam_today())))]
