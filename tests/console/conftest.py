"""The console channel of a whole bot (App), with a terminal the spec types into."""

from __future__ import annotations

import asyncio
import queue
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.app import App
from foundations.settings import Config
from knowledge.service import KnowledgeService


class Terminal:
    """What the person at the console types and sees. Lines are read in the console's own
    reader thread, as `input()` would be; `None` closes the input (Ctrl+D)."""

    def __init__(self) -> None:
        self._typed: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []

    def read_line(self, prompt: str) -> str:
        line = self._typed.get(timeout=10)
        if line is None:
            raise EOFError
        return line

    def type(self, *lines: str | None) -> None:
        for line in lines:
            self._typed.put(line)

    @property
    def transcript(self) -> str:
        return "\n".join(self.output)

    async def shows(self, text: str, timeout: float = 5.0) -> str:
        """Wait until `text` is on the screen; returns everything shown after it appeared."""
        deadline = asyncio.get_running_loop().time() + timeout
        while text not in self.transcript:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{text!r} never shown:\n{self.transcript}")
            await asyncio.sleep(0.01)
        return self.transcript[self.transcript.index(text):]


@pytest.fixture
def console_settings() -> dict[str, Any]:
    """Config overrides for the console bot; specs override this fixture to change them."""
    return {}


@pytest.fixture
async def console(
    make_config: Callable[..., Config],
    shipped_knowledge: KnowledgeService,
    console_settings: dict[str, Any],
) -> AsyncIterator[tuple[App, Terminal]]:
    """The bot `troly06 chat` runs, started, with a scripted terminal; stopped after."""
    app = App(make_config(**console_settings), shipped_knowledge, console=True)
    terminal = Terminal()
    assert app.console is not None
    app.console.read_line, app.console.write = terminal.read_line, terminal.output.append
    await app.start()
    yield app, terminal
    terminal.type(None)
    await app.stop()
