"""Background tasks of the bot's components (a channel's poller, the console, the broadcast
loop): started in `start()`, stopped in `stop()`."""

from __future__ import annotations

import asyncio
import contextlib


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Cancel `task` (if any) and wait until it has really finished, so a component's
    `stop()` returns only when nothing of it still runs."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
