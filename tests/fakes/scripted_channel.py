"""An in-memory channel whose platform answers are scripted per chat.

A real implementation of the ChannelSender protocol (what every channel adapter provides),
used where a test is about the outbox or the reminder engine rather than HTTP.
"""

from __future__ import annotations

from foundations.clock import Clock
from foundations.messages import Reply


class ScriptedSender:
    def __init__(self, clock: Clock, channel: str = "test") -> None:
        self.channel = channel
        self.clock = clock
        self.script: dict[str, list[Exception]] = {}
        self.attempts: list[tuple[float, str]] = []
        self.sent: list[tuple[float, str, str]] = []
        self.replies: list[tuple[str, Reply]] = []
        self.round_trip = 0.0  # seconds each send waits for the platform's answer, on `clock`

    def fail(self, chat_id: str, *errors: Exception) -> None:
        """The next sends to `chat_id` raise these errors, in order."""
        self.script.setdefault(chat_id, []).extend(errors)

    async def send(self, chat_id: str, reply: Reply) -> None:
        now = self.clock.monotonic()
        self.attempts.append((now, chat_id))
        if self.round_trip:
            await self.clock.sleep(self.round_trip)
        errors = self.script.get(chat_id)
        if errors:
            raise errors.pop(0)
        self.sent.append((now, chat_id, reply.text))
        self.replies.append((chat_id, reply))

    def to(self, chat_id: str) -> list[Reply]:
        return [reply for chat, reply in self.replies if chat == chat_id]
