"""Arguments as an admin types them: nonsense refused in one Vietnamese line, --config
wherever it is put, output that lines up with input, help in one language."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from tests.cli.test_cli import subcommand_parsers

TROLY06 = Path(sys.executable).with_name("troly06")
ENGLISH = ("usage:", "options:", "positional arguments", "show this help", "error:")


@pytest.mark.parametrize("option, value", [("--limit", "0"), ("--days", "-5"), ("--days", "ba")])
def test_unanswered_refuses_counts_below_one(option, value, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["kb", "unanswered", option, value])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"troly06 kb unanswered: lỗi: tham số {option}: phải là số nguyên từ 1 trở lên "
        f"(đang là '{value}')")


@pytest.mark.parametrize("command", [["kb", "unanswered"], ["tasks", "check"], ["ask", "x"]])
def test_config_may_follow_the_subcommand(command, tmp_path, capsys):
    missing = tmp_path / "khong-co.yaml"
    assert main([*command, "--config", str(missing)]) == 1
    assert f"{missing}: không tìm thấy tệp" in capsys.readouterr().err


def test_eval_on_a_file_without_questions_fails_clearly(tmp_path, capsys):
    empty = tmp_path / "trong.jsonl"
    empty.write_text("\n", encoding="utf-8")
    assert main(["eval", str(empty)]) == 1
    assert capsys.readouterr().err.startswith(f"Lỗi: {empty}: không có câu hỏi nào để đánh giá")


def test_a_reader_that_stops_early_is_not_an_error():
    done = subprocess.run(["bash", "-o", "pipefail", "-c",
                           f"'{TROLY06}' ask 'quên mật khẩu vneid' | true"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert "Lỗi" not in done.stderr and "Broken pipe" not in done.stderr
    assert "Traceback" not in done.stderr


def test_help_and_errors_speak_vietnamese_only(capsys):
    parsers = [("", build_parser())] + [(name, sub) for name, sub, _ in
                                        subcommand_parsers(build_parser())]
    for name, parser in parsers:
        text = parser.format_help()
        assert not [w for w in ENGLISH if w in text], f"troly06 {name} --help:\n{text}"
    with pytest.raises(SystemExit):
        main(["eval"])
    assert capsys.readouterr().err.splitlines()[-1] == (
        "troly06 eval: lỗi: thiếu tham số bắt buộc: TỆP")


def test_every_command_describes_itself_in_its_own_help():
    for name, parser, _ in subcommand_parsers(build_parser()):
        assert parser.description, f"'troly06 {name} --help' has no description"


def test_every_placeholder_in_help_is_named_in_vietnamese():
    parsers = [("", build_parser())] + [(name, sub) for name, sub, _ in
                                        subcommand_parsers(build_parser())]
    unnamed = [f"troly06 {name}: {action.dest}" for name, parser in parsers
               for action in parser._actions
               if action.nargs != 0 and action.metavar is None
               and not isinstance(action, argparse._SubParsersAction)]
    assert unnamed == []
