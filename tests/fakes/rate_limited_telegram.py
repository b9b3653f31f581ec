"""The fake Bot API with Telegram's flood limits enforced, for the reminder benchmark.

sendMessage beyond `global_per_second` in any one-second window, or to a chat within
`per_chat_interval` of its last accepted message, gets the real 429 answer with
`retry_after`. Accepted messages are counted per chat, and kept with their text, to find
duplicates and losses.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass, field

from aiohttp import web

from tests.fakes.bot_api import api_error
from tests.fakes.telegram_api import FakeTelegram


@dataclass
class RateLimitedTelegram(FakeTelegram):
    global_per_second: float = 30.0
    per_chat_interval: float = 1.0
    retry_after: int = 1
    accepted: Counter = field(default_factory=Counter)
    accepted_at: list[tuple[float, str]] = field(default_factory=list)
    accepted_texts: list[tuple[str, str]] = field(default_factory=list)  # (chat, text)
    rejected: int = 0
    _window: deque = field(default_factory=deque)
    _last_by_chat: dict[str, float] = field(default_factory=dict)

    async def _api_sendMessage(self, params: dict) -> web.Response:
        now = time.monotonic()
        chat = str(params.get("chat_id"))
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        too_fast_globally = len(self._window) >= self.global_per_second
        too_fast_for_chat = now - self._last_by_chat.get(chat, -1e9) < self.per_chat_interval
        if too_fast_globally or too_fast_for_chat:
            self.rejected += 1
            return api_error(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                parameters={"retry_after": self.retry_after},
            )
        self._window.append(now)
        self._last_by_chat[chat] = now
        self.accepted[chat] += 1
        self.accepted_at.append((now, chat))
        self.accepted_texts.append((chat, str(params.get("text", ""))))
        return await super()._api_sendMessage(params)
