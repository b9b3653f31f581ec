"""Admins in chat: reload the FAQ and task files, and see what citizens asked in vain.

Admins are listed in the `admin.users` config key as "channel:user_id". These commands are
not advertised in the command menu: citizens have no use for them.
"""

from __future__ import annotations

import asyncio
import logging
import shlex

from handlers.router import Context, Router, Services
from handlers.types import Reply
from knowledge.loader import KnowledgeLoadError
from knowledge.normalize import SynonymError
from knowledge.review_dates import entries_due, vietnam_today

log = logging.getLogger(__name__)
router = Router("admin")

ADMINS_ONLY = "Lệnh này chỉ dành cho quản trị viên."
MAX_PROBLEMS_SHOWN = 10
UNANSWERED_DAYS = 7


def is_admin(ctx: Context) -> bool:
    """Whether the sender is listed in `admin.users`."""
    admins = set(ctx.services.config.admin.users)
    return f"{ctx.incoming.channel}:{ctx.incoming.user_id}" in admins


async def reload_data(services: Services) -> list[str]:
    """Reload the knowledge base and the scheduler files; return every problem found.

    Each part keeps serving what it had whenever its new files have errors, so a
    broken edit never takes the bot down. The knowledge base is parsed and indexed in a
    worker thread (seconds for a very large one) while the old one goes on answering;
    the scheduler files are written to SQLite on the event loop's own connection.
    """
    problems: list[str] = []
    try:
        report = await asyncio.to_thread(services.knowledge.reload)
        log.info("knowledge reloaded: %d entries", len(services.knowledge.kb.entries))
        problems += [str(w) for w in report.warnings]
    except (KnowledgeLoadError, SynonymError) as exc:
        problems += str(exc).splitlines()
    officials = services.extras.get("officials")
    if officials is not None:
        problems += [str(p) for p in officials.reload()]
    for problem in problems:
        log.warning("reload: %s", problem)
    return problems


def kb_check_command(services: Services) -> str:
    """The command that checks exactly the files this bot reloads, wherever it is typed."""
    knowledge = services.knowledge
    command = "troly06 kb check"
    if knowledge.faq_dir is not None:
        command += f" {shlex.quote(str(knowledge.faq_dir.resolve()))}"
    if knowledge.synonyms is not None:
        command += f" --synonyms {shlex.quote(str(knowledge.synonyms.resolve()))}"
    return command


@router.command("tailai")
async def reload_command(ctx: Context) -> list[Reply]:
    """Reload the FAQ and task files; errors keep the old data serving."""
    if not is_admin(ctx):
        return [Reply(ADMINS_ONLY)]
    problems = await reload_data(ctx.services)
    entries = len(ctx.services.knowledge.kb.entries)
    if not problems:
        return [Reply(f"Đã tải lại: {entries} câu hỏi đáp, không có lỗi.")]
    shown = "\n".join(problems[:MAX_PROBLEMS_SHOWN])
    more = len(problems) - MAX_PROBLEMS_SHOWN
    tail = f"\n… và {more} vấn đề khác." if more > 0 else ""
    return [Reply(f"Đang phục vụ {entries} câu hỏi đáp. Các tệp có vấn đề (phần lỗi "
                  f"chưa được áp dụng):\n{shown}{tail}\n"
                  f"Kiểm tra lại các tệp FAQ bằng: {kb_check_command(ctx.services)}")]


@router.command("chuatraloi")
async def unanswered_command(ctx: Context) -> list[Reply]:
    """The questions of the last week the bot could not answer, most asked first, then the
    entries whose facts must be re-checked soon (`review_by`)."""
    if not is_admin(ctx):
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
