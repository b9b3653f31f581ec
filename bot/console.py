"""`troly06 chat`: talk to the bot in a terminal, through the same Conversation as Telegram.

Buttons are shown as a numbered list and a typed number presses one, exactly as on
channels without buttons (Zalo), so this is also the quickest way to try those flows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.plain_text import render
from handlers.conversation import Conversation
from handlers.types import Incoming

PROMPT = "Bạn: "
QUIT_WORDS = {"/quit", "/thoat", "thoat", "thoát"}


async def chat(
    conversation: Conversation,
    read_line: Callable[[str], str] = input,
    write: Callable[[str], object] = print,
) -> None:
    """Read lines until end of input or /thoat and print the bot's replies."""
    write("Trợ lý 06 — gõ câu hỏi, số để chọn, /thoat để thoát.")
    for reply in await conversation.handle(_incoming("/start")):
        write(f"\n{render(reply)}\n")
    while True:
        try:
            line = await asyncio.to_thread(read_line, PROMPT)
        except (EOFError, KeyboardInterrupt):
            break
        if line.strip().lower() in QUIT_WORDS:
            break
        if not line.strip():
            continue
        for reply in await conversation.handle(_incoming(line)):
            write(f"\n{render(reply)}\n")
    write("Tạm biệt!")


def _incoming(text: str) -> Incoming:
    return Incoming(
        channel="console",
        user_id="local",
        chat_id="local",
        display_name="",
        text=text,
        numbered_choices=True,
    )

