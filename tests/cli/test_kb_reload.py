"""`troly06 kb reload` asks the running `troly06 run` (found through its pid file) to reload
its files, as SIGHUP and /tailai do; with no bot running it says so in one line."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.pidfile import PID_FILE_NAME
from tests.fakes.telegram_api import TOKEN, FakeTelegram

MARKER = "Câu trả lời đã sửa cho lần tải lại."
TROLY06 = Path(sys.executable).with_name("troly06")


async def test_kb_reload_makes_the_running_bot_reload_and_prints_what_happened(
    make_config, faq_dir, tmp_path, capsys
):
    async with FakeTelegram() as api:
        config = make_config(telegram__token=TOKEN, telegram__base_url=api.base_url,
                             telegram__poll_timeout=1, scheduler__enabled=False)
        reload = ["--config", str(config.source), "kb", "reload"]
        pid_path = tmp_path / "data" / PID_FILE_NAME
        bot = await asyncio.create_subprocess_exec(
            TROLY06, "--config", str(config.source), "run",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            await api.wait_for(lambda: api.sent("getUpdates"), timeout=60)
            assert pid_path.read_text().strip() == str(bot.pid)
            path = faq_dir / "vneid-su-co.yaml"
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("  answer: |\n", f"  answer: |\n    {MARKER}\n", 1),
                            encoding="utf-8")
            assert await asyncio.to_thread(main, reload) == 0
            assert capsys.readouterr().out.startswith("Câu hỏi đáp: đã tải lại, đang phục vụ")
            api.send_text(7, "quên mật khẩu vneid thì làm sao")
            await api.wait_for(lambda: any(MARKER in m["text"] for m in api.sent(chat_id=7)), 30)

            (faq_dir / "hong.yaml").write_text("- id: [chưa đóng\n", encoding="utf-8")
            assert await asyncio.to_thread(main, reload) == 1
            assert capsys.readouterr().out.startswith(
                "Câu hỏi đáp: chưa áp dụng thay đổi nào, kể cả ở các tệp không lỗi")
        finally:
            bot.send_signal(signal.SIGTERM)
            await bot.wait()
    assert not pid_path.exists()


def test_kb_reload_without_a_running_bot_says_so(make_config, capsys):
    config = make_config()
    assert main(["--config", str(config.source), "kb", "reload"]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"Lỗi: không thấy bot đang chạy: chưa có {config.storage.path.parent}")


def test_a_stale_pid_file_never_signals_another_process(make_config, capsys):
    config = make_config()
    pid_path = config.storage.path.parent / PID_FILE_NAME
    pid_path.parent.mkdir(parents=True, exist_ok=True)
    pid_path.write_text(f"{os.getppid()}\n")  # alive, but not a troly06 bot
    assert main(["--config", str(config.source), "kb", "reload"]) == 1
    assert "không còn là bot đang chạy" in capsys.readouterr().err


@pytest.fixture
def documented_commands() -> list[list[str]]:
    """Every `troly06 …` command the READMEs document, as its subcommand words."""
    root = Path(__file__).resolve().parents[2]
    commands = set()
    for readme in ("README.md", "knowledge/README.md", "scheduler/README.md"):
        text = (root / readme).read_text(encoding="utf-8")
        for quoted in text.split("`")[1::2]:
            words = quoted.split()
            if words[:1] == ["troly06"]:
                subcommand = []
                for word in words[1:]:
                    if not word.isalpha() or not word.islower():
                        break
                    subcommand.append(word)
                commands.add(tuple(subcommand))
    return sorted(list(c) for c in commands)


def test_every_command_the_readmes_document_exists(documented_commands, capsys):
    assert ["kb", "reload"] in documented_commands
    for command in documented_commands:
        with pytest.raises(SystemExit) as exit_:
            main([*command, "--help"])
        assert exit_.value.code == 0, f"troly06 {' '.join(command)}: {capsys.readouterr().err}"
