"""`troly06 run` with no platform configured, in a real terminal (a pseudo-terminal), as
`make run` starts it: the pid to signal is printed, SIGHUP reloads instead of killing,
the log does not spill into the chat, and arrow keys edit the line being typed."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import pty
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from foundations.settings import Config

TROLY06 = Path(sys.executable).with_name("troly06")  # the installed console script
LEFT = "\x1b[D"


class PseudoTerminal:
    """A terminal the bot process owns as its stdin, stdout and stderr."""

    def __init__(self) -> None:
        self.master, self.slave = pty.openpty()
        self.screen = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    async def shows(self, pattern: str, timeout: float = 15.0) -> re.Match[str]:
        """Wait until `pattern` (a regex) is on the screen."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (found := re.search(pattern, self.screen)) is None:
            if loop.time() > deadline:
                raise AssertionError(f"{pattern!r} never shown:\n{self.screen}")
            readable = asyncio.Event()
            loop.add_reader(self.master, readable.set)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(readable.wait(), 0.2)
            finally:
                loop.remove_reader(self.master)
            if readable.is_set():
                self.screen += self._decoder.decode(os.read(self.master, 65536))
        return found

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> None:
        os.close(self.master)


@pytest.fixture
async def terminal_bot(
    make_config: Callable[..., Config], tmp_path: Path
) -> AsyncIterator[tuple[asyncio.subprocess.Process, PseudoTerminal]]:
    make_config(scheduler__enabled=False)  # writes tmp_path/config.yaml
    terminal = PseudoTerminal()
    env = {key: value for key, value in os.environ.items() if not key.startswith("TROLY06_")}
    process = await asyncio.create_subprocess_exec(
        str(TROLY06), "run", "--config", str(tmp_path / "config.yaml"),
        stdin=terminal.slave, stdout=terminal.slave, stderr=terminal.slave,
        env={**env, "TERM": "xterm"}, start_new_session=True,
    )  # fmt: skip
    os.close(terminal.slave)
    await terminal.shows("Bạn: ")
    yield process, terminal
    if process.returncode is None:
        process.kill()
    await process.wait()
    terminal.close()


async def test_the_pid_is_printed_and_sighup_reloads_the_faq_instead_of_killing(
    terminal_bot: tuple[asyncio.subprocess.Process, PseudoTerminal], faq_dir: Path
) -> None:
    process, terminal = terminal_bot
    assert int((await terminal.shows(r"pid (\d+)")).group(1)) == process.pid
    path = faq_dir / "vneid-su-co.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "question: Quên mật khẩu", "question: Lỡ quên mật khẩu (đã sửa)", 1), encoding="utf-8")
    process.send_signal(signal.SIGHUP)
    for _ in range(40):  # the reload parses and indexes the FAQ in a worker thread
        terminal.type("quên mật khẩu vneid thì làm sao\r")
        with contextlib.suppress(AssertionError):
            await terminal.shows("(?i)Lỡ quên mật khẩu \\(đã sửa\\)", timeout=0.5)
            break
    await terminal.shows("(?i)Lỡ quên mật khẩu \\(đã sửa\\)", timeout=0)
    assert process.returncode is None
    assert " INFO " not in terminal.screen  # the log keeps out of the conversation


async def test_arrow_keys_move_along_the_line_being_typed(
    terminal_bot: tuple[asyncio.subprocess.Process, PseudoTerminal],
) -> None:
    _, terminal = terminal_bot
    terminal.type(f"/hep{LEFT}l\r")  # typed "/hep", moved left, inserted the "l"
    await terminal.shows("Mình là Trợ lý 06, trả lời các câu hỏi")
