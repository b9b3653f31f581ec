"""The installed `troly06` command run as operators run it, for specs that need a real
process: one they can kill with SIGKILL mid-work and start again on the same database."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

TROLY06 = Path(sys.executable).with_name("troly06")  # the installed console script


async def start_bot(config: Path, log: Path) -> asyncio.subprocess.Process:
    """`troly06 run` as an operator starts it; its output goes to `log` for post-mortems."""
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            str(TROLY06), "run", "--config", str(config),
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
        )  # fmt: skip


async def run_command(config: Path, *args: str) -> tuple[int, str]:
    """One `troly06 …` admin command to its end; returns its exit code and its output."""
    process = await asyncio.create_subprocess_exec(
        str(TROLY06), *args, "--config", str(config), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode("utf-8")
