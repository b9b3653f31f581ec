"""The console: the terminal as one more channel of the same bot (`troly06 chat`, and
`troly06 run` when no platform is configured).

It is composed like Telegram or Zalo (bot/app.py): the same conversation, storage and
reminder feature, and a sender in the outbox, so an official who joined here gets reminders
here. Buttons are shown as a numbered list and a typed number presses one, exactly as on
channels without buttons (Zalo), so this is also the quickest way to try those flows.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.background import cancel_and_wait
from bot.channels.delivery import RememberingChoices
from bot.channels.plain_text import render
from bot.outbox import Outbox
from foundations.messages import Incoming, Reply
from foundations.settings import Config
from handlers.conversation import Conversation
from handlers.store import Storage

CHANNEL = "console"
USER = "local"  # the one person at the terminal: admins list them as "console:local"
PROMPT = "Bạn: "
QUIT_WORDS = {"/quit", "/thoat", "thoat", "thoát"}
GREETING = "Trợ lý 06 — gõ câu hỏi, số để chọn, /thoat để thoát."
FAREWELL = "Tạm biệt!"

ReadLine = Callable[[str], str]
Write = Callable[[str], object]


def line_editing() -> None:
    """Arrow keys and history for `input()`: importing readline is what switches them on
    (not available on Windows, where the console has its own editing)."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401


@dataclass
class ConsoleSender:
    """The outbox's way to show a message in the terminal."""

    write: Write
    channel: str = CHANNEL

    async def send(self, chat_id: str, reply: Reply) -> None:
        self.write(f"\n{render(reply)}\n")


@dataclass
class ConsoleChannel:
    """Lines typed in the terminal in, replies printed out; closed by /thoat or end of input."""

    config: Config
    conversation: Conversation
    outbox: Outbox
    storage: Storage | None = None
    read_line: ReadLine = input
    write: Write = print
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    name: str = CHANNEL
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    async def start(self) -> None:
        """Register the sender, greet, and read lines until the user leaves."""
        if self.read_line is input:
            line_editing()
        rate = self.config.outbox.rates.get(CHANNEL, 1000.0)
        sender = RememberingChoices(ConsoleSender(self.write), self.conversation.last_buttons)
        self.outbox.register(sender, rate, 0)
        self._task = asyncio.create_task(self._chat(), name="console")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _chat(self) -> None:
        try:
            self.write(GREETING)
            await self._answer("/start")
            lines = _LineReader(self.read_line)
            while (line := await lines.next()) is not None:
                if line.strip().lower() in QUIT_WORDS:
                    break
                if line.strip():
                    await self._answer(line)
            self.write(FAREWELL)
        finally:
            self.closed.set()

    async def _answer(self, text: str) -> None:
        for reply in await self.conversation.handle(_incoming(text)):
            self.write(f"\n{render(reply)}\n")


class _LineReader:
    """Lines from `read_line` in a daemon thread, so a bot stopped by a signal does not
    wait for the user to press Enter before it can exit."""

    def __init__(self, read_line: ReadLine) -> None:
        self._read_line = read_line
        self._loop = asyncio.get_running_loop()

    async def next(self) -> str | None:
        """The next line, or None at end of input (Ctrl+D, a closed pipe, Ctrl+C)."""
        future: asyncio.Future[str | None] = self._loop.create_future()
        threading.Thread(target=self._read, args=(future,), daemon=True).start()
        return await future

    def _read(self, future: asyncio.Future[str | None]) -> None:
        try:
            line: str | None = self._read_line(PROMPT)
        except (EOFError, KeyboardInterrupt, OSError, ValueError):
            line = None
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            self._loop.call_soon_threadsafe(_settle, future, line)


def _settle(future: asyncio.Future[str | None], line: str | None) -> None:
    if not future.done():
        future.set_result(line)


def _incoming(text: str) -> Incoming:
    return Incoming(
        channel=CHANNEL,
        user_id=USER,
        chat_id=USER,
        display_name="",
        text=text,
        numbered_choices=True,
    )
