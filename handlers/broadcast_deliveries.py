"""The delivery rows a sending loop works through: the broadcasts being sent, who is next,
whether they still want it, and what became of each message.

`Broadcasts.confirm` (handlers/broadcast_store.py, which owns the tables) writes one row per
recipient; bot/broadcast.py's `BroadcastSender` is the one reader, so the store keeps only
what admins do.
"""

from __future__ import annotations

import logging

from foundations.database import now_iso
from foundations.delivery import BLOCKED, SENT
from handlers.broadcast_model import CITIZENS, DONE, PENDING, SENDING, STOPPED, Broadcast, Recipient
from handlers.broadcast_store import Broadcasts

log = logging.getLogger(__name__)


class Deliveries:
    """The delivery rows of the broadcasts in `broadcasts`' database."""

    def __init__(self, broadcasts: Broadcasts) -> None:
        self.broadcasts = broadcasts
        self.db = broadcasts.db

    def sending(self) -> list[Broadcast]:
        rows = self.db.execute(
            "SELECT id FROM broadcasts WHERE status = ? ORDER BY id", [SENDING]
        ).fetchall()
        return [self.broadcasts.get(row[0]) for row in rows]

    def pending(self, broadcast_id: int, channel: str, limit: int,
                exclude: set[int]) -> list[Recipient]:
        """The next recipients not sent yet, skipping those already handed to the outbox."""
        rows = self.db.execute(
            """SELECT id, channel, chat_id, user_id FROM broadcast_deliveries
               WHERE broadcast_id = ? AND channel = ? AND status = ? ORDER BY id LIMIT ?""",
            [broadcast_id, channel, PENDING, limit + len(exclude)],
        ).fetchall()
        return [Recipient(*row) for row in rows if row[0] not in exclude][:limit]

    def still_wanted(self, broadcast: Broadcast, recipient: Recipient) -> bool:
        """Whether the recipient is still opted in (citizens) or in a group and active."""
        if broadcast.audience.kind == CITIZENS:
            query = """SELECT 1 FROM users WHERE channel = ? AND user_id = ?
                       AND opted_in = 1 AND active = 1"""
            params = [recipient.channel, recipient.user_id]
        else:
            query = "SELECT 1 FROM members WHERE id = ? AND active = 1 AND chat_id IS NOT NULL"
            params = [recipient.user_id]
        return self.db.execute(query, params).fetchone() is not None

    def record(self, broadcast: Broadcast, recipient: Recipient, status: str,
               detail: str = "") -> None:
        """The final status of one delivery; a recipient who blocked us becomes inactive.

        A message already handed to the outbox when its broadcast was cancelled still
        leaves: what the platform said replaces `stopped`, so the counts stay true."""
        with self.db.conn:
            self.db.execute(
                """UPDATE broadcast_deliveries SET status = ?, sent_at = ?, detail = ?
                   WHERE id = ? AND status IN (?, ?)""",
                [status, now_iso() if status == SENT else None, detail or None, recipient.id,
                 PENDING, STOPPED],
            )
        if status == BLOCKED:
            self._deactivate(broadcast, recipient)

    def finish_if_done(self, broadcast_id: int) -> bool:
        """Mark a broadcast done once no delivery is pending; True when it just finished."""
        with self.db.conn:
            cursor = self.db.execute(
                """UPDATE broadcasts SET status = ?, finished_at = ? WHERE id = ? AND status = ?
                   AND NOT EXISTS (SELECT 1 FROM broadcast_deliveries
                                   WHERE broadcast_id = ? AND status = ?)""",
                [DONE, now_iso(), broadcast_id, SENDING, broadcast_id, PENDING],
            )
        if cursor.rowcount:
            log.info("%s", self.broadcasts.progress(broadcast_id).describe())
        return cursor.rowcount == 1

    def _deactivate(self, broadcast: Broadcast, recipient: Recipient) -> None:
        """A recipient who blocked the bot is marked inactive, so later broadcasts skip them."""
        if broadcast.audience.kind == CITIZENS:
            query = "UPDATE users SET active = 0 WHERE channel = ? AND user_id = ?"
            params = [recipient.channel, recipient.user_id]
        else:
            query = "UPDATE members SET active = 0 WHERE channel = ? AND chat_id = ?"
            params = [recipient.channel, recipient.chat_id]
        with self.db.conn:
            self.db.execute(query, params)
