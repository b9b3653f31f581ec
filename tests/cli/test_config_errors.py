"""A configuration mistake stops every command with one clear line and a non-zero exit code,
never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.faq_files import entry_yaml


@pytest.fixture
def small_faq(make_faq_dir) -> Path:
    return make_faq_dir({"a.yaml": entry_yaml("mot", "Hỏi gì?", ["a b", "c d", "e f", "g h"])})


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [
    ["run"], ["chat"], ["ask", "x"], ["eval", "x.jsonl"], ["kb", "check"], ["kb", "unanswered"],
    ["tasks", "check"],
])
def test_every_command_stops_on_a_bad_value_with_one_line(tmp_path, capsys, command):
    path = write_config(tmp_path, "knowledge:\n  answer_threshold: cao\n")
    assert main(["--config", str(path), *command]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"Lỗi: {path}:2: knowledge.answer_threshold phải là một số (đang là chuỗi 'cao')"
    ]


def test_a_zalo_oa_without_a_refresh_token_stops_run_with_one_line(tmp_path, capsys, small_faq):
    path = write_config(tmp_path, f"""\
storage:
  path: {tmp_path / 'bot.db'}
knowledge:
  faq_dir: {small_faq}
scheduler:
  enabled: false
zalo_oa:
  app_id: "1234"
  secret_key: oa-secret
  app_secret: app-secret
""")
    assert main(["--config", str(path), "run"]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("Lỗi: zalo_oa.refresh_token (TROLY06_ZALO_OA_REFRESH_TOKEN) chưa")
