"""The running bot's process id in a file, so `troly06 kb reload` can find it and signal it.

`troly06 run` writes `troly06.pid` beside its database (the one path every command run
with the same configuration agrees on) and removes it on exit; `kb reload` sends SIGHUP
to that process, which reloads the FAQ and task files exactly as /tailai does and writes
what happened to each part to `troly06.reload.json` beside it, for `kb reload` to print.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from handlers.admin import reload_parts
from handlers.audit import FAILED, OK, SIGNAL, AuditLog
from handlers.router import Services

log = logging.getLogger(__name__)

PID_FILE_NAME = "troly06.pid"
REPORT_FILE_NAME = "troly06.reload.json"
BOT_COMMANDS = (b"troly06", b"bot.cli", b"bot/cli.py")  # how the bot's command line reads


class NoRunningBot(Exception):
    """No bot to signal: no pid file, a stale one, or a process that is not the bot."""


def pid_file_beside(database: Path) -> Path:
    """Where the bot using `database` records its process id."""
    return database.parent / PID_FILE_NAME


def report_file_beside(database: Path) -> Path:
    """Where the bot using `database` writes the outcome of its last reload."""
    return database.parent / REPORT_FILE_NAME


@dataclass(frozen=True)
class ReloadReport:
    """What the bot's last reload did: every part applied or not, in the admin's words."""

    applied: bool
    text: str


def write_reload_report(path: Path, report: ReloadReport) -> None:
    """Replace the report in one step, so a reader never sees half of it."""
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps({"applied": report.applied, "text": report.text},
                                  ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)


async def reload_and_report(services: Services) -> list[str]:
    """Reload everything (SIGHUP); return every problem found, errors first.

    What happened is also written beside the database, where `troly06 kb reload` (which
    sent the signal) waits to print it. The conversation only reloads (/tailai); the report
    file is this process's business, like the pid file.
    """
    parts = await reload_parts(services)
    report = ReloadReport(all(p.applied for p in parts), "\n\n".join(p.describe() for p in parts))
    if services.storage is not None:
        AuditLog(services.storage.db).record(
            SIGNAL, "reload", SIGNAL, OK if report.applied else FAILED,
            "; ".join(part.summary for part in parts))  # fmt: skip
    try:
        write_reload_report(report_file_beside(services.config.storage.path), report)
    except OSError as exc:
        log.warning("reload: could not write the report for kb reload: %s", exc)
    return [problem for part in parts for problem in part.problems]


def request_reload(
    pid_path: Path, report_path: Path, timeout: float
) -> tuple[int, ReloadReport | None]:
    """Signal the bot and wait up to `timeout` s for its report; None if none came."""
    before = _version(report_path)
    pid = signal_reload(pid_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _version(report_path) != before:
            with contextlib.suppress(OSError, ValueError, KeyError):
                data = json.loads(report_path.read_text(encoding="utf-8"))
                return pid, ReloadReport(bool(data["applied"]), str(data["text"]))
        time.sleep(0.1)
    return pid, None


def _version(path: Path) -> tuple[int, int] | None:
    """Changes whenever the report is replaced (a new file each time)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


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


def running_bot(path: Path) -> int | None:
    """The process id of the bot recorded in `path` if it is running, else None (for
    commands that only tell the admin whether their change will be picked up now)."""
    try:
        pid = _recorded_pid(path)
    except NoRunningBot:
        return None
    return pid if _is_the_bot(pid) else None


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
