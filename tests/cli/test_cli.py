"""The `troly06` command line: exit codes, messages, JSON output and help for every command."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys

import pytest

from bot.cli import build_parser, main
from handlers.store import Storage
from tests.faq_files import entry_yaml


def subcommand_parsers(parser: argparse.ArgumentParser, prefix: str = ""):
    """Every (name, parser) pair, nested subcommands included."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix}{name}", sub, action
                yield from subcommand_parsers(sub, f"{prefix}{name} ")


def test_every_command_has_help():
    for name, _, action in subcommand_parsers(build_parser()):
        helps = {choice.dest: choice.help for choice in action._choices_actions}
        assert helps.get(name.split()[-1]), f"'troly06 {name}' has no help text"


def test_kb_check_passes_on_the_shipped_faq(capsys):
    assert main(["kb", "check"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("OK:")  # warnings may come first


def test_kb_check_lists_problems_and_fails(make_faq_dir, capsys):
    folder = make_faq_dir({"a.yaml": entry_yaml("mot", "Hỏi?", ["a", "b", "c", "d"],
                                                 related="[khong-co]")})
    assert main(["kb", "check", str(folder)]) == 1
    out = capsys.readouterr()
    assert f"{folder / 'a.yaml'}:1: related: không có mục nào có id 'khong-co'" in out.out
    assert "1 lỗi" in out.err


def test_kb_check_warns_before_review_by_and_fails_after_it(make_faq_dir, capsys):
    folder = make_faq_dir({"a.yaml": entry_yaml("mot", "Hỏi?", ["a", "b", "c", "d"],
                                                 review_by="2026-12-31")})
    assert main(["kb", "check", str(folder), "--today", "2026-12-01"]) == 0
    assert "cảnh báo: mục 'mot': hạn xem lại 31/12/2026, còn 30 ngày" in capsys.readouterr().out
    assert main(["kb", "check", str(folder), "--today", "2027-01-05"]) == 1
    out = capsys.readouterr()
    assert f"{folder / 'a.yaml'}:1: mục 'mot': hạn xem lại 31/12/2026, đã quá 5 ngày" in out.out
    assert "1 lỗi" in out.err


def test_kb_check_refuses_a_today_that_is_not_a_date(capsys):
    with pytest.raises(SystemExit):
        main(["kb", "check", "--today", "31/12/2026"])
    assert "'31/12/2026' không phải ngày dạng 2026-12-31" in capsys.readouterr().err


def test_ask_prints_one_json_object(capsys):
    assert main(["ask", "quên mật khẩu vneid", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"question", "outcome", "id", "score", "suggestions", "answer"}
    assert result["question"] == "quên mật khẩu vneid"
    assert result["outcome"] == "answered" and result["id"] == "quen-mat-khau"


def test_ask_json_answers_every_stdin_line_blank_ones_too_and_echoes_it(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("quên mật khẩu vneid\r\n\nthời tiết hôm nay\n"))
    assert main(["ask", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["question"], line["outcome"]) for line in lines] == [
        ("quên mật khẩu vneid", "answered"), ("", "fallback"), ("thời tiết hôm nay", "fallback")]
    assert lines[2]["id"] is None and lines[2]["answer"] is None


def test_ask_without_a_question_or_json_prints_usage(capsys):
    assert main(["ask"]) == 2
    assert "Cú pháp: troly06 ask" in capsys.readouterr().err


def test_eval_prints_the_figures_per_half_so_the_test_half_is_never_mixed_in(
    tmp_path, capsys
):
    data = tmp_path / "set.jsonl"
    data.write_text(
        '{"question": "quên mật khẩu vneid", "expected": ["quen-mat-khau"], "split": "tune"}\n'
        '{"question": "giá vàng hôm nay", "expected": null, "split": "test"}\n'
        '{"question": "quen mk vneid", "expected": "quen-mat-khau", "split": "test",'
        ' "style": "chat"}\n', encoding="utf-8")
    assert main(["eval", str(data)]) == 0
    out = capsys.readouterr().out
    sections = dict(part.split("]\n", 1) for part in out.split("== ")[1:])
    assert set(sections) == {f"{data} [tất cả", f"{data} [tune", f"{data} [test",
                             f"{data} [test/chat"}
    assert "top-1 đúng: 100.0%" in sections[f"{data} [tune"]
    assert "phải từ chối: 0" in sections[f"{data} [tune"]
    assert "phải từ chối: 1" in sections[f"{data} [test"]
    assert "từ chối đúng câu ngoài phạm vi: 100.0%" in sections[f"{data} [test"]
    assert "trả lời thẳng sai: 0.0%" in sections[f"{data} [tất cả"]


def test_eval_verbose_shows_where_the_right_entry_ranked(tmp_path, capsys):
    data = tmp_path / "set.jsonl"
    data.write_text('{"question": "vneid", "expected": "vneid-la-gi"}\n', encoding="utf-8")
    assert main(["eval", str(data), "--verbose"]) == 0
    miss = capsys.readouterr().out.splitlines()[-1]
    assert f"{data}:1:" in miss and "hạng" in miss and "được suggested" in miss


def test_a_broken_eval_file_names_file_and_line(tmp_path, capsys):
    data = tmp_path / "set.jsonl"
    data.write_text('{"question": "a", "expected": null}\nkhông phải json\n', encoding="utf-8")
    assert main(["eval", str(data)]) == 1
    assert f"{data}:2:" in capsys.readouterr().err


def test_a_missing_config_file_is_a_clear_error(tmp_path, capsys):
    missing = tmp_path / "khong-co.yaml"
    assert main(["--config", str(missing), "ask", "x"]) == 1
    assert f"{missing}: không tìm thấy tệp" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--help"], ["kb", "--help"], ["ask", "--help"]])
def test_the_installed_console_script_answers_help(args):
    done = subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0 and "troly06" in done.stdout


def test_kb_unanswered_lists_what_citizens_asked_in_vain(make_config, capsys):
    config = make_config()
    storage = Storage.open(config.storage.path)
    for _ in range(2):
        storage.record_question("telegram", "1", "giá vàng hôm nay", "gia vang hom nay",
                                "fallback", None, 20.0)
    storage.record_question("telegram", "1", "quên mật khẩu", "quen mat khau", "answered",
                            "quen-mat-khau", 90.0)
    assert main(["--config", str(config.source), "kb", "unanswered"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["   2 lần (2 không biết)  giá vàng hôm nay"]
