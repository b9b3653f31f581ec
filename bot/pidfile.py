"""The running bot's process id in a file, so `troly06 kb reload` can find it and signal it.

`troly06 run` writes `troly06.pid` beside its database (the one path every command run
with the same configuration agrees on) and removes it on exit; `kb reload` sends SIGHUP
to that process, which reloads the FAQ and task files exactly as /tailai does.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

PID_FILE_NAME = "troly06.pid"
BOT_COMMANDS = (b"troly06", b"bot.cli", b"bot/cli.py")  # how the bot's command line reads


class NoRunningBot(Exception):
    """No bot to signal: no pid file, a stale one, or a process that is not the bot."""


def pid_file_beside(database: Path) -> Path:
    """Where the bot using `database` records its process id."""
    return database.parent / PID_FILE_NAME


@contextlib.contextmanager
def pid_file(path: Path) -> Iterator[None]:
    """Record this process's id in `path` while the block runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{os.getpid()}\n", encoding="utf-8")
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            if int(path.read_text(encoding="utf-8")) == os.getpid():  # not a newer bot's
                path.unlink()


def signal_reload(path: Path) -> int:
    """Send SIGHUP to the bot recorded in `path`; return its pid. Raises NoRunningBot."""
    pid = _recorded_pid(path)
    if not _is_the_bot(pid):
        raise NoRunningBot(f"tiến trình {pid} ghi trong {path} không còn là bot đang chạy "
                           f"(tệp cũ từ lần chạy trước?); hãy chạy lại troly06 run")
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise NoRunningBot(f"bot (tiến trình {pid} ghi trong {path}) không còn chạy") from None
    except PermissionError:
        raise NoRunningBot(f"không có quyền gửi tín hiệu tới tiến trình {pid}: chạy lệnh "
                           f"bằng cùng tài khoản với bot") from None
    return pid


def _recorded_pid(path: Path) -> int:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise NoRunningBot(f"không thấy bot đang chạy: chưa có {path} (troly06 run ghi tệp "
                           f"này khi chạy với cùng cấu hình); hoặc gửi /tailai trong chat"
                           ) from None
    if not text.isdigit():
        raise NoRunningBot(f"{path}:1: '{text}' không phải số tiến trình")
    return int(text)


def _is_the_bot(pid: int) -> bool:
    """Whether `pid` is alive and, where the OS says so, a troly06 process: a stale file
    must never make us signal whatever process reused the number."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not Path("/proc/self/cmdline").exists():  # no /proc (macOS): trust the file
        return True
    try:
        command = cmdline.read_bytes()
    except OSError:
        return False
    return any(name in command for name in BOT_COMMANDS)
