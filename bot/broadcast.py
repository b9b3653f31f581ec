"""Sending broadcasts (thông báo), and what broadcasts must know of the channels.

The records, previews and progress are handlers/broadcast_store.py (any process with the
configuration makes one with `broadcasts_for`); this module is what only `troly06 run` does.

`BroadcastSender`, a component of `troly06 run`, picks up confirmed broadcasts (at once in
its own process, within CHECK_SECONDS when confirmed by another process such as the CLI)
and sends them through the outbox as BULK messages, so replies to citizens go first and the
platforms' rates hold. Truth is in SQLite: one row per recipient in `broadcast_deliveries`,
UNIQUE(broadcast, channel, chat), marked sent only when the platform accepted. The outbox
sends BULK messages one at a time per channel, so after a crash the only message that can
go twice is the one a platform accepted just before it (one per channel); nothing else is
resent. Blocked recipients are marked inactive; Zalo OA users beyond the free 48 h are not
sent to (unless `zalo_oa.send_billed`) and counted apart; a send that may have arrived is
never resent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

import sqlite_utils

from bot.background import cancel_and_wait
from bot.channels.plain_text import render_parts
from bot.outbox import Outbox
from foundations.delivery import BULK, FAILED, Outcome, Outgoing
from foundations.messages import Reply
from foundations.settings import Config
from handlers.broadcast_deliveries import Deliveries
from handlers.broadcast_model import CHANNEL_NAMES, SKIPPED, Broadcast, Recipient
from handlers.broadcast_store import Broadcasts
from handlers.store import Storage

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0  # how soon a broadcast confirmed by another process starts
WINDOW = 2  # messages of one broadcast queued per channel: reminders wait behind few
FAILED_PAUSE = 60.0  # a channel whose sends keep failing is left alone this long


def broadcasts_for(storage: Storage, config: Config) -> Broadcasts:
    """The broadcasts of this configuration's database, seeing its channels."""
    return Broadcasts(storage.db, BotChannels(config, storage.db))


class BotChannels:
    """The channels as broadcasts see them (handlers.broadcast_store.BroadcastChannels).

    The channel modules are imported where used: they import the conversation, whose
    routers import the broadcasts."""

    def __init__(self, config: Config, db: sqlite_utils.Database) -> None:
        self.config = config
        self.db = db

    def enabled(self) -> list[str]:
        """The channels `troly06 run` serves with this configuration (see bot.app)."""
        enabled = {
            "telegram": self.config.telegram.token,
            "zalo_bot": self.config.zalo_bot.token,
            "zalo_oa": self.config.zalo_oa.app_id,
        }
        return [channel for channel, setting in enabled.items() if setting]

    def message_limit(self, channel: str) -> int:
        """Characters (UTF-16 units) one message of `channel` may hold."""
        if channel == "telegram":
            from bot.channels.telegram.render import MAX_MESSAGE

            return MAX_MESSAGE
        from bot.channels.zalo_bot import channel as zalo_bot
        from bot.channels.zalo_oa import sender as zalo_oa

        return {"zalo_bot": zalo_bot.MAX_TEXT, "zalo_oa": zalo_oa.MAX_TEXT}[channel]

    def rendered(self, channel: str, reply: Reply) -> list[str]:
        """`reply` as the channel's sender will send it: Telegram HTML or Zalo plain text."""
        if channel == "telegram":
            from bot.channels.telegram.render import render

            return [message.html for message in render(reply)]
        return render_parts(reply, self.message_limit(channel))

    def outside_free_window(self, channel: str, chat_ids: list[str]) -> int:
        """Zalo OA chats whose user last wrote more than 48 h ago: not sent to unless billed."""
        if (channel != "zalo_oa" or self.config.zalo_oa.send_billed
                or "zalo_oa_interactions" not in self.db.table_names()):
            return 0
        from bot.channels.zalo_oa.sender import FREE_WINDOW

        since = datetime.now(UTC).timestamp() - FREE_WINDOW
        recent = {row[0] for row in self.db.execute(
            "SELECT user_id FROM zalo_oa_interactions WHERE at >= ?", [since]).fetchall()}
        return sum(1 for chat_id in chat_ids if chat_id not in recent)


class BroadcastSender:
    """Sends confirmed broadcasts through the outbox; a component of `troly06 run`."""

    def __init__(self, broadcasts: Broadcasts, outbox: Outbox,
                 check_seconds: float = CHECK_SECONDS, failed_pause: float = FAILED_PAUSE) -> None:
        self.deliveries = Deliveries(broadcasts)
        self.outbox = outbox
        self.check_seconds = check_seconds
        self.failed_pause = failed_pause
        self._in_flight: dict[int, tuple[int, str]] = {}  # delivery → (broadcast, channel)
        self._paused_until: dict[str, float] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        outbox.when_channel_added(lambda _channel: self.poke())
        broadcasts.when_confirmed(self.poke)

    def poke(self) -> None:
        """Look for work now (a confirmation, a channel ready, a delivery finished)."""
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="broadcasts")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.submit_due()
            except Exception:  # a broken row must not stop every later broadcast
                log.exception("broadcast sending failed; trying again shortly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.check_seconds)

    async def submit_due(self) -> None:
        """Keep up to WINDOW messages of each sending broadcast queued per channel."""
        now = asyncio.get_running_loop().time()
        for broadcast in self.deliveries.sending():
            for channel in CHANNEL_NAMES:
                if self.outbox.serves(channel) and self._paused_until.get(channel, 0) <= now:
                    await self._fill(broadcast, channel)
            if not any(b == broadcast.id for b, _ in self._in_flight.values()):
                self.deliveries.finish_if_done(broadcast.id)

    async def _fill(self, broadcast: Broadcast, channel: str) -> None:
        queued = sum(1 for key in self._in_flight.values() if key == (broadcast.id, channel))
        room = WINDOW - queued
        if room <= 0:
            return
        reply = broadcast.message()
        for recipient in self.deliveries.pending(broadcast.id, channel, room,
                                                 set(self._in_flight)):
            if not self.deliveries.still_wanted(broadcast, recipient):
                self.deliveries.record(broadcast, recipient, SKIPPED)
                self.poke()
                continue
            self._in_flight[recipient.id] = (broadcast.id, channel)
            await self.outbox.submit(Outgoing(channel, recipient.chat_id, reply, BULK,
                                              self._recorder(broadcast, recipient)))

    def _recorder(self, broadcast: Broadcast, recipient: Recipient):
        async def record(outcome: Outcome) -> None:
            self._in_flight.pop(recipient.id, None)
            if outcome.status == FAILED:  # surely not sent: stays pending, channel rests
                log.warning("broadcast %d to %s:%s not sent, retried later: %s", broadcast.id,
                            recipient.channel, recipient.chat_id, outcome.detail)
                self._paused_until[recipient.channel] = (
                    asyncio.get_running_loop().time() + self.failed_pause)
            else:
                self.deliveries.record(broadcast, recipient, outcome.status, outcome.detail)
            self.poke()

        return record
