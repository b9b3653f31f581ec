"""`troly06 kb review`: what the bot missed, grouped, and the admin's decision on each group.

A thin layer over `knowledge.review` (grouping) and `knowledge.editing` (writing variants or
off-topic questions back into the FAQ files); the web console uses the same library.
Interactive on a terminal; by arguments (`--attach N ID`, `--offtopic N`) in scripts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli_args import positive_int
from bot.pidfile import NoRunningBot, pid_file_beside, signal_reload
from foundations.settings_file import load_config
from handlers.audit import COMMAND_LINE, FAILED, OK, AuditLog
from handlers.store import Storage
from knowledge.editing import EditError, EditResult, attach_variants, mark_offtopic
from knowledge.loader import DEFAULT_FAQ_DIR
from knowledge.review import Missed, ReviewGroup, group_missed
from knowledge.review_dates import entries_due, vietnam_today
from knowledge.service import KnowledgeService

PROMPT = ("  Gắn vào mục nào? (số ứng viên 1-3 hoặc id mục; 'n' = ngoài phạm vi; Enter = bỏ qua; "
          "'q' = dừng): ")


def add_review_command(kb_commands: argparse._SubParsersAction) -> None:
    """Register `kb review` beside the other `kb` commands."""
    review = kb_commands.add_parser(
        "review", help="xem các nhóm câu bot chưa trả lời được và gắn chúng vào mục",
        description="Nhóm các câu người dân hỏi mà bot chưa trả lời thẳng (không biết, gợi ý, "
                    "hoặc bị 👎). Gắn một nhóm vào một mục (các câu thành cách hỏi của mục) "
                    "hoặc đánh dấu ngoài phạm vi; tệp được kiểm tra như khi sửa tay rồi tải lại.")
    review.add_argument("--days", type=positive_int, default=30, metavar="N",
                        help="số ngày gần nhất (mặc định 30)")
    review.add_argument("--attach", nargs=2, metavar=("NHÓM", "MỤC"),
                        help="gắn nhóm số NHÓM vào mục có id MỤC")
    review.add_argument("--offtopic", type=positive_int, metavar="NHÓM",
                        help="đánh dấu nhóm số NHÓM là ngoài phạm vi")
    review.set_defaults(func=cmd_kb_review)


def cmd_kb_review(args: argparse.Namespace) -> int:
    """List the groups; apply the decision given by arguments, or ask for each group."""
    config = load_config(args.config)
    storage = Storage.open(config.storage.path, config.storage.retention_days)
    service = KnowledgeService.from_config(config)
    groups = review_groups(storage, service, args.days)
    audit = AuditLog(storage.db)
    _print_due(service)
    if args.attach or args.offtopic:
        number = int(args.attach[0]) if args.attach else args.offtopic
        group = next((g for g in groups if g.number == number), None)
        if group is None:
            print(f"Không có nhóm số {number} (có {len(groups)} nhóm trong {args.days} ngày qua).",
                  file=sys.stderr)
            return 1
        _print_group(group)
        decision = args.attach[1] if args.attach else "n"
        return 0 if _apply(service, group, decision, config.storage.path, audit) else 1
    if not groups:
        print(f"Không có câu hỏi nào chưa trả lời được trong {args.days} ngày qua.")
        return 0
    for group in groups:
        _print_group(group)
        if sys.stdin.isatty():
            answer = input(PROMPT).strip()
            if answer.lower() == "q":
                break
            if answer:
                _apply(service, group, _entry_id(group, answer), config.storage.path, audit)
    return 0


def review_groups(storage: Storage, service: KnowledgeService, days: int) -> list[ReviewGroup]:
    """The missed questions of the last `days`, grouped (also the web console's review)."""
    missed = [Missed(str(row["text"]), str(row["normalized"]), str(row["outcome"]),
                     row["picked_id"], row["disliked_id"])  # type: ignore[arg-type]
              for row in storage.missed_questions(days)]  # fmt: skip
    return group_missed(missed, service.matcher)


def _print_due(service: KnowledgeService) -> None:
    due = entries_due(service.kb, vietnam_today())
    if due:
        print("Mục cần kiểm tra lại (review_by):")
        for item in due:
            print(f"  {item.describe()}")
        print()


def _print_group(group: ReviewGroup) -> None:
    print(f"Nhóm {group.number}: {group.count} câu")
    for example in group.examples:
        print(f"  – {example}")
    for rank, (entry_id, why) in enumerate(group.candidates, start=1):
        print(f"  {rank}. {entry_id} ({why})")


def _entry_id(group: ReviewGroup, answer: str) -> str:
    """A typed candidate number stands for that candidate's entry id."""
    if answer.isdigit() and 1 <= int(answer) <= len(group.candidates):
        return group.candidates[int(answer) - 1][0]
    return answer


def _apply(
    service: KnowledgeService, group: ReviewGroup, decision: str, database: Path, audit: AuditLog
) -> bool:
    """Write the decision ('n' = off-topic, else an entry id), reload, tell the admin; the
    decision goes to the audit log as the console's do (failed ones too)."""
    faq_dir = service.faq_dir or DEFAULT_FAQ_DIR
    offtopic = decision.lower() == "n"
    action = "offtopic" if offtopic else f"attach {decision}"
    try:
        if offtopic:
            result = mark_offtopic(faq_dir, service.kb, service.normalizer, group.texts)
            what = "đánh dấu ngoài phạm vi"
        else:
            result = attach_variants(faq_dir, service.kb, service.normalizer, decision,
                                     group.texts)
            what = f"thêm vào mục '{decision}'"
    except EditError as exc:
        audit.record(COMMAND_LINE, action, COMMAND_LINE, FAILED, str(exc))
        print(f"  Không sửa được, tệp giữ nguyên: {exc}", file=sys.stderr)
        return False
    audit.record(COMMAND_LINE, action, COMMAND_LINE, OK,
                 f"nhóm {group.count} câu, thêm {len(result.added)} vào {result.file.name}")
    _report(result, what)
    service.reload()
    _tell_running_bot(database)
    return True


def _report(result: EditResult, what: str) -> None:
    print(f"  Đã {what}: {len(result.added)} câu, ghi vào {result.file}.")
    if result.skipped:
        print(f"  Bỏ qua {len(result.skipped)} câu đã có sẵn trong kho.")


def _tell_running_bot(database: Path) -> None:
    try:
        pid = signal_reload(pid_file_beside(database))
    except NoRunningBot:
        print("  Bot chưa chạy: lần chạy tới sẽ dùng nội dung mới.")
    else:
        print(f"  Đã báo bot đang chạy (tiến trình {pid}) tải lại.")
