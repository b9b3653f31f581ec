"""argparse for Vietnamese admins: headings, usage line, help and errors in Vietnamese,
the options every command shares, and argument types that refuse nonsense in one line.

Admins read `troly06 … --help` and its errors; argparse's English headings ("usage:",
"options:") and messages ("the following arguments are required") beside our Vietnamese
help texts read as two programs. Only argparse's own strings are translated here.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import NoReturn

EXIT_USAGE = 2
# argparse's messages (Python 3.11–3.13), most specific first.
ERROR_MESSAGES = (
    (r"the following arguments are required: (.*)", r"thiếu tham số bắt buộc: \1"),
    (r"unrecognized arguments: (.*)", r"không hiểu tham số: \1"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)",
     r"tham số \1: không có lựa chọn \2 (chọn một trong: \3)"),
    (r"argument (\S+): invalid (\w+) value: (.*)", r"tham số \1: giá trị \3 không hợp lệ"),
    (r"argument (\S+): expected one argument", r"tham số \1 cần một giá trị"),
    (r"argument (\S+): (.*)", r"tham số \1: \2"),
)


class VietnameseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, "cách dùng: " if prefix is None else prefix)


class VietnameseParser(argparse.ArgumentParser):
    """An ArgumentParser whose own words are Vietnamese; subcommands inherit it."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("formatter_class", VietnameseHelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "tham số"
        self._optionals.title = "tùy chọn"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="in hướng dẫn này rồi thoát")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: lỗi: {translate_error(message)}\n")


def translate_error(message: str) -> str:
    for pattern, replacement in ERROR_MESSAGES:
        translated, count = re.subn(f"^{pattern}$", replacement, message)
        if count:
            return translated
    return message


def share_config_option(parser: argparse.ArgumentParser) -> None:
    """Let `--config` stand after any subcommand too, and give each subcommand's own
    --help the description its parent's list shows."""
    for sub, summary in _subcommands(parser):
        if sub.description is None:
            sub.description = summary
        if "--config" not in sub._option_string_actions:
            sub.add_argument("--config", type=Path, default=argparse.SUPPRESS, metavar="TỆP",
                             help="tệp cấu hình (như --config trước tên lệnh)")


def _subcommands(parser: argparse.ArgumentParser) -> Iterator[tuple[argparse.ArgumentParser, str]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            summaries = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield sub, summaries.get(name, "")
                yield from _subcommands(sub)


def positive_int(text: str) -> int:
    """An argparse type for counts and day spans: 1 or more."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"phải là số nguyên từ 1 trở lên (đang là '{text}')")
    return int(text)


def iso_date(text: str) -> date:
    """An argparse type: a date written 2026-12-31, refused in Vietnamese otherwise."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' không phải ngày dạng 2026-12-31") from None
