"""`troly06 tasks …`: the scheduler's subcommands, registered by bot/cli.py in one line.

It lives in bot/ because it loads the configuration; the checking is `scheduler.files`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from foundations.settings_file import load_config
from scheduler.files import load_roster

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def cmd_tasks_check(args: argparse.Namespace) -> int:
    """Validate the scheduler files; print every problem as file:line: problem."""
    config = load_config(args.config)
    paths = args.files or list(config.scheduler.files)
    if not paths:
        print(
            "Cú pháp: troly06 tasks check [TỆP ...] (hoặc khai báo scheduler.files)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    roster, problems = load_roster(
        paths,
        config.scheduler.levels,
        f"{config.scheduler.default_due_time:%H:%M}",
        config.scheduler.timezone,
    )
    for problem in problems:
        print(problem)
    if roster is None:
        print(f"{len(problems)} lỗi; dữ liệu đang dùng được giữ nguyên.", file=sys.stderr)
        return EXIT_PROBLEMS
    print(
        f"OK: {len(roster.units)} đơn vị, {len(roster.groups)} tổ công tác, "
        f"{sum(len(g.members) for g in roster.groups.values())} thành viên, "
        f"{len(roster.tasks)} nhiệm vụ."
    )
    return EXIT_OK


def add_tasks_commands(commands: argparse._SubParsersAction) -> None:
    """Register `tasks check` on the main parser's subcommands."""
    tasks = commands.add_parser("tasks", help="kiểm tra tệp đơn vị, tổ công tác và nhiệm vụ")
    sub = tasks.add_subparsers(dest="tasks_command", metavar="LỆNH", required=True)
    check = sub.add_parser("check", help="kiểm tra các tệp nhắc việc, in lỗi dạng tệp:dòng: lỗi")
    check.add_argument("files", nargs="*", type=Path, metavar="TỆP",
                       help="tệp YAML (mặc định: scheduler.files)")
    check.set_defaults(func=cmd_tasks_check)
