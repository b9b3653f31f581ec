"""Render a channel-agnostic `Reply` as Telegram messages: HTML-escaped, split, with keyboards.

Answers are plain text written by admins and may contain `<`, `&` or anything a citizen
typed, so every piece is escaped; the formatting (bold title, links) is ours. Telegram
allows 4,096 characters per message: longer replies are split on line boundaries, and
the keyboard goes on the last part so the buttons sit under the whole answer.

Keyboards are the Bot API's JSON objects as plain dicts, not PTB's `InlineKeyboardMarkup`:
building PTB objects and turning them back into dicts for the request cost about 0.4 ms
of CPU per message, for the same bytes on the wire (benchmarks/README.md).
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from typing import Any

from bot.channels.plain_text import join_lines, utf16_length
from foundations.messages import Reply
from handlers.payloads import MAX_PAYLOAD_BYTES

log = logging.getLogger(__name__)

MAX_MESSAGE = 4096
SHARE_PHONE_LABEL = "📱 Chia sẻ số điện thoại"
SHARE_PHONE_TEXT = "Bấm nút bên dưới để chia sẻ số điện thoại của bạn."

Markup = dict[str, Any]  # the Bot API's InlineKeyboardMarkup or ReplyKeyboardMarkup
PHONE_KEYBOARD: Markup = {
    "keyboard": [[{"text": SHARE_PHONE_LABEL, "request_contact": True}]],
    "resize_keyboard": True,
    "one_time_keyboard": True,
}


@dataclass(frozen=True)
class TelegramMessage:
    """One sendMessage call: HTML text and an optional keyboard."""

    html: str
    markup: Markup | None = None


def render(reply: Reply, limit: int = MAX_MESSAGE) -> list[TelegramMessage]:
    """The messages that together show `reply`."""
    parts = join_lines(_lines(reply, limit), limit, utf16_length) or ["…"]
    messages = [TelegramMessage(part) for part in parts]
    inline = _inline_keyboard(reply)
    if inline is not None:
        messages[-1] = TelegramMessage(messages[-1].html, inline)
    if reply.request_phone:
        if messages[0].markup is None:
            messages[0] = TelegramMessage(messages[0].html, PHONE_KEYBOARD)
        else:  # a message carries one keyboard: the contact button gets its own message
            messages.append(TelegramMessage(html.escape(SHARE_PHONE_TEXT), PHONE_KEYBOARD))
    return messages


def _lines(reply: Reply, limit: int) -> list[str]:
    """Escaped lines, none longer than `limit`."""
    lines: list[str] = []
    if reply.title:
        lines.extend(f"<b>{piece}</b>" for piece in _escaped_pieces(reply.title, limit - 7))
        lines.append("")
    text = html.escape(reply.text, quote=False)
    if utf16_length(text) <= limit:  # the usual case: every line fits, escaped once
        lines.extend(text.split("\n"))
    else:
        for line in reply.text.split("\n"):
            lines.extend(_escaped_pieces(line, limit))
    if reply.links:
        lines.append("")
    for link in reply.links:  # titles and URLs are short: a link never needs splitting
        url = html.escape(link.url, quote=True)
        lines.append(f'🔗 <a href="{url}">{html.escape(link.title[:200], quote=False)}</a>')
    return lines


def _escaped_pieces(line: str, limit: int) -> list[str]:
    """Escape `line`, cutting it (between words when possible) into pieces within `limit`."""
    escaped = html.escape(line, quote=False)
    if utf16_length(escaped) <= limit:
        return [escaped]
    pieces: list[str] = []
    current = ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if utf16_length(html.escape(candidate, quote=False)) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(html.escape(current, quote=False))
        current = word
        while utf16_length(html.escape(current, quote=False)) > limit:  # one enormous "word"
            cut = limit // 6  # an escaped character is at most 6 long ("&quot;" is not used)
            pieces.append(html.escape(current[:cut], quote=False))
            current = current[cut:]
    if current:
        pieces.append(html.escape(current, quote=False))
    return pieces


def _inline_keyboard(reply: Reply) -> Markup | None:
    rows = []
    for row in reply.buttons:
        buttons = []
        for button in row:
            if len(button.payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
                log.error("button %r dropped: payload over %d bytes", button.label,
                          MAX_PAYLOAD_BYTES)
                continue
            buttons.append({"text": button.label, "callback_data": button.payload})
        if buttons:
            rows.append(buttons)
    return {"inline_keyboard": rows} if rows else None
