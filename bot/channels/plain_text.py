"""Replies as plain text for channels without formatting or buttons (Zalo, console), and
the one sender the plain-text platforms share.

Buttons become a numbered list with a hint ("Gõ 1, 2 hoặc 3 để chọn."); the conversation
core turns a typed number back into the button press. Long text is split on line ends,
then sentence ends, then spaces, so no part is cut mid-word unless a "word" alone is over
the limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.channels.delivery import DeliveredParts
from foundations.messages import Reply

Measure = Callable[[str], int]

# Where a line may be cut, best first: after a sentence, then between words.
BREAKS = (re.compile(r"(?<=[.!?…;])\s+"), re.compile(r"\s+"))
NO_PHONE_BUTTON = "(Kênh này chưa có nút chia sẻ số điện thoại.)"


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, as JavaScript-based platforms count (an emoji is 2)."""
    return len(text.encode("utf-16-le")) // 2


def render(reply: Reply) -> str:
    """A reply as one plain text: title, text, links, then the numbered choices."""
    lines = []
    if reply.title:
        lines += [reply.title, ""]  # as written: upper case would turn VNeID into VNEID
    lines.append(reply.text)
    lines += [f"🔗 {link.title}: {link.url}" for link in reply.links]
    if reply.request_phone:
        lines.append(NO_PHONE_BUTTON)
    buttons = reply.all_buttons()
    if buttons:
        lines.append("")
        lines += [f"  {number}. {button.label}" for number, button in enumerate(buttons, 1)]
        lines.append(choice_hint(len(buttons)))
    return "\n".join(lines)


class PlainTextSender:
    """The outbox's way to deliver a Reply on a platform that takes plain text only (Zalo
    Bot, Zalo OA): rendered with numbered choices, in parts of at most `max_text`; a retry
    after a failed part sends only the parts that had not left. A platform says how one
    part is sent (`send_text`)."""

    channel: str
    max_text: int

    def __init__(self) -> None:
        self._delivered = DeliveredParts()

    async def send(self, chat_id: str, reply: Reply) -> None:
        await self._delivered.send_remaining(
            chat_id, reply, render_parts(reply, self.max_text),
            lambda text: self.send_text(chat_id, text),
        )

    async def send_text(self, chat_id: str, text: str) -> None:
        """Send one part, raising the outbox's SendError kinds."""
        raise NotImplementedError


def choice_hint(count: int) -> str:
    """How to choose among `count` numbered options, in Vietnamese."""
    if count == 1:
        return "Gõ 1 để chọn."
    if count <= 3:
        numbers = [str(n) for n in range(1, count + 1)]
        return f"Gõ {', '.join(numbers[:-1])} hoặc {numbers[-1]} để chọn."
    return f"Gõ một số từ 1 đến {count} để chọn."


def render_parts(reply: Reply, limit: int, measure: Measure = utf16_length) -> list[str]:
    """`reply` as plain-text messages of at most `limit` (the choices end the last one)."""
    return split_text(render(reply), limit, measure) or ["…"]


def split_text(text: str, limit: int, measure: Measure = len) -> list[str]:
    """Non-empty parts of `text`, each within `limit`, cut at the most natural boundary.

    `measure` must be additive over characters (len, UTF-16 units, escaped length).
    """
    pieces = [piece for line in text.split("\n") for piece in _fit(line, limit, measure)]
    return join_lines(pieces, limit, measure)


def join_lines(lines: list[str], limit: int, measure: Measure = len) -> list[str]:
    """Lines (each within `limit`) joined into as few parts as fit; blank parts dropped.

    Lines are never cut, so markup kept within a line (Telegram's HTML) stays whole. Text
    that fits whole is measured once (packing measures every growing part again).
    """
    whole = "\n".join(lines)
    parts = [whole] if measure(whole) <= limit else _pack(lines, limit, measure, "\n")
    return [part.strip("\n") for part in parts if part.strip()]


def _fit(line: str, limit: int, measure: Measure, level: int = 0) -> list[str]:
    """`line` as pieces within `limit`, cut at BREAKS[level] or finer boundaries."""
    if measure(line) <= limit:
        return [line]
    if level == len(BREAKS):
        return _hard_cut(line, limit, measure)
    units = [unit for unit in BREAKS[level].split(line) if unit]
    pieces = [piece for unit in units for piece in _fit(unit, limit, measure, level + 1)]
    return _pack(pieces, limit, measure, " ")


def _pack(pieces: list[str], limit: int, measure: Measure, joiner: str) -> list[str]:
    """Join consecutive pieces with `joiner` into as few parts as fit within `limit`."""
    parts: list[str] = []
    current: str | None = None
    for piece in pieces:
        candidate = piece if current is None else f"{current}{joiner}{piece}"
        if current is not None and measure(candidate) > limit:
            parts.append(current)
            candidate = piece
        current = candidate
    if current is not None:
        parts.append(current)
    return parts


def _hard_cut(word: str, limit: int, measure: Measure) -> list[str]:
    """A single over-long "word" (a URL, a string of digits) cut by characters."""
    parts: list[str] = []
    current, size = "", 0
    for char in word:
        width = measure(char)
        if current and size + width > limit:
            parts.append(current)
            current, size = "", 0
        current, size = current + char, size + width
    if current:
        parts.append(current)
    return parts
