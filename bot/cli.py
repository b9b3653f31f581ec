"""`troly06`: the command line. A thin layer that turns library errors into clear messages.

Each subcommand is one small function `cmd_*` taking the parsed arguments and returning
an exit code; all of them are registered in `build_parser`.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.app import run
from bot.broadcast_cli import add_broadcast_commands
from bot.channels import ChannelStartError
from bot.cli_args import VietnameseParser, iso_date, positive_int, share_config_option
from bot.logging_setup import configure_logging
from bot.pidfile import (
    NoRunningBot,
    pid_file,
    pid_file_beside,
    report_file_beside,
    request_reload,
)
from bot.review_cli import add_review_command
from bot.tasks_cli import add_tasks_commands
from bot.web.auth import ADMIN, VIEWER, hash_password
from foundations.settings import ConfigError
from foundations.settings_file import load_config
from handlers.broadcast_model import BroadcastError
from handlers.stats import figures_csv, figures_text, serving_figures
from handlers.store import Storage
from knowledge.evaluation import DatasetError, Miss, evaluate_by_group, read_examples
from knowledge.loader import KnowledgeLoadError, LoadReport, load_knowledge_base
from knowledge.matcher import MatchResult
from knowledge.normalize import Normalizer, SynonymError
from knowledge.review_dates import review_problems, vietnam_today
from knowledge.service import KnowledgeService
from knowledge.sourcing import source_problems

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
MIN_PASSWORD = 8

Command = Callable[[argparse.Namespace], int]


def cmd_kb_check(args: argparse.Namespace) -> int:
    """Validate the FAQ files; print every problem as file:line: problem.

    Without a folder, the one the bot serves: `knowledge.faq_dir` (and `knowledge.synonyms`)
    of the configuration, so an OK here means the running bot will load it too.
    """
    settings = load_config(args.config).knowledge
    normalizer = Normalizer.from_file(args.synonyms or settings.synonyms)
    try:
        kb, report = load_knowledge_base(args.path or settings.faq_dir, normalizer)
    except KnowledgeLoadError as exc:
        return _fail_check(exc.report)
    sourcing = (problem for entry in kb.entries.values() for problem in source_problems(entry))
    for problem in [*review_problems(kb, args.today or vietnam_today()), *sourcing]:
        report.add(problem)
    if not report.ok:
        return _fail_check(report)
    _print_problems(report.warnings)
    print(f"OK: {len(kb.entries)} mục, {len(kb.categories)} danh mục, "
          f"{len(report.warnings)} cảnh báo.")
    return EXIT_OK


def _fail_check(report: LoadReport) -> int:
    _print_problems(report.errors + report.warnings)
    print(f"{len(report.errors)} lỗi, {len(report.warnings)} cảnh báo.", file=sys.stderr)
    return EXIT_PROBLEMS


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question, or with --json and no question, one per line of standard input."""
    service = _knowledge_service(args)
    if args.question is None:
        if not args.json:
            print("Cú pháp: troly06 ask \"câu hỏi\" [--json]  (hoặc --json và câu hỏi qua stdin)",
                  file=sys.stderr)
            return EXIT_USAGE
        for line in sys.stdin:  # one result per line, blank ones too, so outputs line up
            question = line.rstrip("\r\n")
            print(json.dumps(_as_json(question, service.match(question)), ensure_ascii=False),
                  flush=True)
        return EXIT_OK
    result = service.match(args.question)
    print(json.dumps(_as_json(args.question, result), ensure_ascii=False) if args.json
          else _as_text(result))
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    """Top-1, top-3, confident wrong answers and off-topic fallbacks on labelled sets, per
    file and per half (`tune` / `test`) and style, so the reported half is never mixed in."""
    service = _knowledge_service(args)
    for path in args.files:
        for group, result in evaluate_by_group(service, read_examples(path)).items():
            print(f"== {path} [{group}]")
            print(result.summary())
            if args.verbose and group == "tất cả":
                for miss in result.misses:
                    print(_miss_line(path, miss))
    return EXIT_OK


def _miss_line(path: Path, miss: Miss) -> str:
    match, example = miss.match, miss.example
    got = match.entry.id if match.entry else [c.entry.id for c in match.suggestions]
    expected = list(example.expected) if example.expected else "từ chối"
    where = f"hạng {miss.rank}, điểm {miss.score}" if miss.rank else "không trong danh sách"
    return (f"  {path}:{example.line}: {example.question!r} cần {expected} ({where}); "
            f"được {match.outcome} {got} ({match.score})")


def cmd_run(args: argparse.Namespace) -> int:
    """Run the configured channels; with none configured, the console chat."""
    config = load_config(args.config)
    with pid_file(pid_file_beside(config.storage.path)):
        asyncio.run(run(config))
    return EXIT_OK


def cmd_kb_reload(args: argparse.Namespace) -> int:
    """Ask the running bot (`troly06 run`, same configuration) to reload its files."""
    database = load_config(args.config).storage.path
    pid, report = request_reload(pid_file_beside(database), report_file_beside(database),
                                 args.wait)
    if report is None:
        print(f"Đã gửi yêu cầu tải lại tới bot (tiến trình {pid}) nhưng sau {args.wait:g} giây "
              f"chưa có kết quả; xem log của bot.", file=sys.stderr)
        return EXIT_PROBLEMS
    print(report.text)
    return EXIT_OK if report.applied else EXIT_PROBLEMS


def cmd_chat(args: argparse.Namespace) -> int:
    """Chat with the bot in this terminal: the bot `run` composes, with the console as its
    only channel (the same storage, admin commands and reminders)."""
    asyncio.run(run(load_config(args.config), console=True))
    return EXIT_OK


def cmd_kb_unanswered(args: argparse.Namespace) -> int:
    """List the questions the bot could not answer outright, most asked first."""
    config = load_config(args.config)
    storage = Storage.open(config.storage.path, config.storage.retention_days)
    rows = storage.unanswered(days=args.days, limit=args.limit)
    if not rows:
        print(f"Không có câu hỏi nào chưa trả lời được trong {args.days} ngày qua.")
    for row in rows:
        print(f"{row['times']:>4} lần ({row['fallbacks']} không biết)  {row['example']}")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    """The serving figures of the last N days, as text or CSV (same as the console's)."""
    config = load_config(args.config)
    storage = Storage.open(config.storage.path, config.storage.retention_days)
    figures = serving_figures(storage.db, args.days, vietnam_today())
    sys.stdout.write(figures_csv(figures) if args.csv else figures_text(figures) + "\n")
    return EXIT_OK


def cmd_web_passwd(args: argparse.Namespace) -> int:
    """Ask for a password and print the `web.admins` line holding its salted hash."""
    if not re.fullmatch(r"[\w.-]+", args.name):
        print("Tên đăng nhập chỉ gồm chữ, số, dấu chấm, gạch ngang, gạch dưới.", file=sys.stderr)
        return EXIT_USAGE
    password = _new_password()
    if password is None:
        return EXIT_USAGE
    print("Thêm dòng sau vào mục web.admins của tệp cấu hình:")
    print(f'  - "{args.name}:{args.role}:{hash_password(password)}"')
    return EXIT_OK


def _new_password() -> str | None:
    """Typed twice on a terminal, or one line from a pipe (scripts); at least 8 characters."""
    if sys.stdin.isatty():
        password = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != password:
            print("Hai lần nhập không khớp.", file=sys.stderr)
            return None
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < MIN_PASSWORD:
        print(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.", file=sys.stderr)
        return None
    return password


def _knowledge_service(args: argparse.Namespace) -> KnowledgeService:
    """Knowledge from --kb if given, else from the configuration."""
    config = load_config(args.config)
    service = KnowledgeService.from_config(config)
    if args.kb is None:
        return service
    if Path(args.kb) != service.faq_dir:
        service = KnowledgeService(
            Path(args.kb), service.synonyms, service.thresholds, service.local
        )
    return service


def _as_json(question: str, result: MatchResult) -> dict[str, object]:
    return {
        "question": question,
        "outcome": result.outcome,
        "id": result.entry.id if result.entry else None,
        "score": result.score,
        "suggestions": [{"id": c.entry.id, "score": c.score} for c in result.suggestions],
        "answer": result.entry.answer if result.entry else None,
    }


def _as_text(result: MatchResult) -> str:
    if result.outcome == "answered" and result.entry is not None:
        entry = result.entry
        return f"[{entry.id}, {result.score}] {entry.question}\n\n{entry.answer}"
    if result.outcome == "suggested":
        lines = [f"Có phải bạn muốn hỏi ({result.score}):"]
        lines += [f"  - {c.entry.question} [{c.entry.id}, {c.score}]" for c in result.suggestions]
        return "\n".join(lines)
    return f"Chưa tìm được câu trả lời phù hợp ({result.score})."


def _print_problems(problems: Iterable[object]) -> None:
    for problem in problems:
        print(problem)


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand and its help, in one place."""
    parser = VietnameseParser(prog="troly06", description="Trợ lý 06: chatbot Đề án 06.")
    parser.add_argument("--config", type=Path, metavar="TỆP",
                        help="tệp cấu hình (mặc định: config.yaml nếu có)")
    parser.add_argument("-v", "--verbose-log", action="store_true", help="ghi log chi tiết")
    commands = parser.add_subparsers(dest="command", metavar="LỆNH", required=True)

    kb = commands.add_parser("kb", help="kiểm tra và quản lý kho câu hỏi đáp")
    kb_commands = kb.add_subparsers(dest="kb_command", metavar="LỆNH", required=True)
    check = kb_commands.add_parser("check", help="kiểm tra các tệp FAQ, in lỗi dạng tệp:dòng: lỗi")
    check.add_argument("path", nargs="?", type=Path, metavar="THƯ_MỤC",
                       help="thư mục FAQ (mặc định: knowledge.faq_dir của cấu hình)")
    check.add_argument("--synonyms", type=Path, metavar="TỆP",
                       help="tệp từ đồng nghĩa (mặc định: knowledge.synonyms của cấu hình)")
    check.add_argument("--today", type=iso_date, metavar="NGÀY",
                       help="kiểm tra hạn 'review_by' như thể hôm nay là NGÀY (2026-12-31)")
    check.set_defaults(func=cmd_kb_check)
    reload = kb_commands.add_parser(
        "reload", help="báo bot đang chạy tải lại tệp FAQ và nhắc việc (như /tailai)")
    reload.add_argument("--wait", type=positive_int, default=60, metavar="GIÂY",
                        help="chờ kết quả tối đa GIÂY giây (mặc định 60)")
    reload.set_defaults(func=cmd_kb_reload)
    unanswered = kb_commands.add_parser(
        "unanswered", help="các câu người dân hỏi mà bot chưa trả lời được (nhiều nhất trước)")
    unanswered.add_argument("--days", type=positive_int, default=7, metavar="N",
                            help="số ngày gần nhất (mặc định 7)")
    unanswered.add_argument("--limit", type=positive_int, default=30, metavar="N",
                            help="số dòng tối đa (mặc định 30)")
    unanswered.set_defaults(func=cmd_kb_unanswered)
    add_review_command(kb_commands)

    ask = commands.add_parser("ask", help="trả lời một câu hỏi (hoặc từng dòng stdin với --json)")
    ask.add_argument("question", nargs="?", metavar="CÂU_HỎI", help="câu hỏi")
    ask.add_argument("--json", action="store_true", help="in kết quả dạng JSON, mỗi dòng một câu")
    ask.add_argument("--kb", type=Path, metavar="THƯ_MỤC", help="thư mục FAQ thay cho cấu hình")
    ask.set_defaults(func=cmd_ask)

    ev = commands.add_parser("eval", help="đo độ chính xác trên tệp câu hỏi có nhãn (JSONL)")
    ev.add_argument("files", nargs="+", type=Path, metavar="TỆP",
                    help="tệp JSONL {question, expected[, split, style, source]}")
    ev.add_argument("--kb", type=Path, metavar="THƯ_MỤC", help="thư mục FAQ thay cho cấu hình")
    ev.add_argument("--verbose", action="store_true", help="in từng câu sai")
    ev.set_defaults(func=cmd_eval)

    commands.add_parser(
        "run", help="chạy bot trên các kênh đã cấu hình",
        description="Chạy bot trên các kênh đã cấu hình (Telegram, Zalo Bot, Zalo OA); chưa "
                    "cấu hình kênh nào thì mở trò chuyện thử trên dòng lệnh. Tải lại tệp FAQ "
                    "và nhắc việc khi đang chạy: troly06 kb reload (hoặc /tailai trong chat).",
    ).set_defaults(func=cmd_run)
    commands.add_parser(
        "chat", help="trò chuyện thử với bot ngay trên dòng lệnh",
        description="Trò chuyện với bot ngay trên dòng lệnh, trả lời như trên các kênh, "
                    "dù cấu hình có kênh nào hay không.",
    ).set_defaults(func=cmd_chat)
    stats = commands.add_parser(
        "stats", help="thống kê câu hỏi, đánh giá và người dùng (như trang Tổng quan)")
    stats.add_argument("--days", type=positive_int, default=7, metavar="N",
                       help="số ngày gần nhất (mặc định 7)")
    stats.add_argument("--csv", action="store_true", help="in từng ngày dạng CSV")
    stats.set_defaults(func=cmd_stats)

    web = commands.add_parser("web", help="trang quản trị trên trình duyệt")
    web_commands = web.add_subparsers(dest="web_command", metavar="LỆNH", required=True)
    passwd = web_commands.add_parser(
        "passwd", help="đặt mật khẩu cho một tài khoản, in dòng để dán vào web.admins")
    passwd.add_argument("name", metavar="TÊN", help="tên đăng nhập")
    passwd.add_argument("--role", choices=(ADMIN, VIEWER), default=ADMIN, metavar="VAI_TRÒ",
                        help="admin: được thay đổi; viewer: chỉ xem (mặc định admin)")
    passwd.set_defaults(func=cmd_web_passwd)
    add_tasks_commands(commands)
    add_broadcast_commands(commands)
    share_config_option(parser)
    return parser


LIBRARY_ERRORS = (
    ConfigError, KnowledgeLoadError, SynonymError, DatasetError, ChannelStartError, NoRunningBot,
    OSError, BroadcastError,
)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `troly06` console script."""
    args = build_parser().parse_args(argv)
    configure_logging(verbose=args.verbose_log)
    try:
        return args.func(args)
    except BrokenPipeError:
        return _reader_went_away()
    except LIBRARY_ERRORS as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return EXIT_OK


def _reader_went_away() -> int:
    """`troly06 ask … | head`: the reader stopped on purpose, which is not an error to
    report. Output goes nowhere from now on, so the exit flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
