"""The broadcasts' records in the shared database: drafts, previews, confirmations (one
delivery row per recipient), cancellations and progress; the sending loop's side of the
rows is handlers/broadcast_deliveries.py.

The API, for `troly06 broadcast`, the admin chat command /thongbao and the web console:

    broadcasts = Broadcasts(db, channels)  # bot.broadcast.broadcasts_for(storage, config)
    draft = broadcasts.create(text, Audience.citizens(), by="web:an")
    broadcasts.preview(draft.id)       # Preview: recipients per channel, text as rendered
    broadcasts.confirm(draft.id, by="web:an")   # recipients fixed now; sending starts
    broadcasts.progress(draft.id)      # Progress: counts per delivery status, describe()
    broadcasts.cancel(draft.id, by=…)  # drop a draft or stop one being sent (the few
                                       # messages already queued in the outbox still go)
    broadcasts.recent()                # Progress of the newest broadcasts
    broadcasts.resolve_groups(["BADINH06", "hn"])   # group ids for Audience.groups

Audiences: citizens who opted in with /nhanthongbao (optionally on one channel only), or
the members of working groups (the scheduler's groups, named by id, join code, or a unit:
every group at or below it). Only channels this configuration enables are counted. What a
channel does to a text lives with the channels in bot/, so it comes in as `channels`.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Callable
from typing import Protocol

import sqlite_utils

from foundations.database import migrate, now_iso
from foundations.messages import Reply
from handlers.broadcast_model import (
    CANCELLED,
    CHANNEL_NAMES,
    CITIZENS,
    DRAFT,
    PENDING,
    SENDING,
    STOPPED,
    Audience,
    Broadcast,
    BroadcastError,
    ChannelPreview,
    Preview,
    Progress,
    Recipient,
)
from scheduler.store import ensure_schema, groups_under, resolve_target

log = logging.getLogger(__name__)

COMPONENT = "broadcasts"


class BroadcastChannels(Protocol):
    """What broadcasts must know of the channels, which live in bot/ (the bot passes
    bot.broadcast.BotChannels): which are on, how a text looks on each, and who is beyond
    a platform's free window."""

    def enabled(self) -> list[str]:
        """The channels `troly06 run` serves with this configuration."""

    def rendered(self, channel: str, reply: Reply) -> list[str]:
        """`reply` as the channel's sender will send it, one string a message."""

    def message_limit(self, channel: str) -> int:
        """Characters (UTF-16 units) one message of `channel` may hold."""

    def outside_free_window(self, channel: str, chat_ids: list[str]) -> int:
        """How many of these chats the platform would not take a message for now (Zalo OA:
        beyond the free 48 h, unless the configuration pays for them)."""


def _v1_tables(db) -> None:
    db.executescript(
        """
        CREATE TABLE broadcasts (id INTEGER PRIMARY KEY, text TEXT NOT NULL,
                                 audience TEXT NOT NULL, channel TEXT,
                                 groups TEXT NOT NULL DEFAULT '[]',
                                 status TEXT NOT NULL DEFAULT 'draft',
                                 created_by TEXT NOT NULL, created_at TEXT NOT NULL,
                                 confirmed_by TEXT, confirmed_at TEXT, finished_at TEXT);
        CREATE INDEX broadcasts_status ON broadcasts (status);
        CREATE TABLE broadcast_deliveries (id INTEGER PRIMARY KEY,
                                           broadcast_id INTEGER NOT NULL REFERENCES broadcasts,
                                           channel TEXT NOT NULL, chat_id TEXT NOT NULL,
                                           user_id TEXT NOT NULL,
                                           status TEXT NOT NULL DEFAULT 'pending',
                                           sent_at TEXT, detail TEXT,
                                           UNIQUE (broadcast_id, channel, chat_id));
        CREATE INDEX broadcast_deliveries_status
            ON broadcast_deliveries (broadcast_id, channel, status);
        """
    )


class Broadcasts:
    """Drafts, confirmations and progress of broadcasts, in the shared database."""

    def __init__(self, db: sqlite_utils.Database, channels: BroadcastChannels) -> None:
        self.db = db
        self.channels = channels
        migrate(self.db, COMPONENT, [_v1_tables])
        ensure_schema(self.db)  # the working groups' tables, even when reminders are off
        self._on_confirm: list[Callable[[], None]] = []

    def create(self, text: str, audience: Audience, by: str) -> Broadcast:
        """A draft: nothing is sent before `confirm`."""
        text = self._checked_text(text, audience)
        with self.db.conn:
            cursor = self.db.execute(
                """INSERT INTO broadcasts (text, audience, channel, groups, created_by,
                                           created_at) VALUES (?, ?, ?, ?, ?, ?)""",
                [text, audience.kind, audience.channel, json.dumps(list(audience.groups)),
                 by, now_iso()],
            )
        log.info("broadcast %d drafted by %s", cursor.lastrowid, by)
        return self.get(int(cursor.lastrowid))

    def preview(self, broadcast_id: int) -> Preview:
        """Recipients per channel (now for a draft, as fixed once confirmed) and the text
        each channel will show."""
        broadcast = self.get(broadcast_id)
        recipients = self._recipients(broadcast)
        channels = []
        for channel in self._channels(broadcast):
            mine = [r for r in recipients if r.channel == channel]
            outside = self.channels.outside_free_window(channel, [r.chat_id for r in mine])
            texts = tuple(self.channels.rendered(channel, broadcast.message()))
            channels.append(ChannelPreview(channel, len(mine), outside, texts))
        return Preview(broadcast, tuple(channels))

    def confirm(self, broadcast_id: int, by: str) -> Progress:
        """Fix the recipients (one delivery row each) and let the sender start."""
        broadcast = self.get(broadcast_id)
        if broadcast.status != DRAFT:
            raise BroadcastError(f"{broadcast.headline()}: chỉ gửi được bản nháp.")
        recipients = self._recipients(broadcast)
        if not recipients:
            channels = ", ".join(CHANNEL_NAMES[c] for c in self._channels(broadcast))
            raise BroadcastError(f"{broadcast.headline()}: không có người nhận nào trên các "
                                 f"kênh đang bật ({channels or 'chưa bật kênh nào'}); chưa gửi.")
        with self.db.conn:
            self.db.conn.executemany(
                """INSERT OR IGNORE INTO broadcast_deliveries
                   (broadcast_id, channel, chat_id, user_id) VALUES (?, ?, ?, ?)""",
                [(broadcast.id, r.channel, r.chat_id, r.user_id) for r in recipients],
            )
            self.db.execute(
                """UPDATE broadcasts SET status = ?, confirmed_by = ?, confirmed_at = ?
                   WHERE id = ?""",
                [SENDING, by, now_iso(), broadcast.id],
            )
        log.info("broadcast %d confirmed by %s: %d recipients", broadcast.id, by, len(recipients))
        for callback in self._on_confirm:
            callback()
        return self.progress(broadcast.id)

    def cancel(self, broadcast_id: int, by: str) -> Progress:
        """Drop a draft, or stop a broadcast being sent (what already left stays sent)."""
        broadcast = self.get(broadcast_id)
        if broadcast.status not in (DRAFT, SENDING):
            raise BroadcastError(f"{broadcast.headline()}: không còn gì để hủy.")
        with self.db.conn:
            self.db.execute(
                "UPDATE broadcast_deliveries SET status = ? WHERE broadcast_id = ? AND status = ?",
                [STOPPED, broadcast.id, PENDING],
            )
            self.db.execute(
                "UPDATE broadcasts SET status = ?, finished_at = ? WHERE id = ?",
                [CANCELLED, now_iso(), broadcast.id],
            )
        log.info("broadcast %d cancelled by %s", broadcast.id, by)
        return self.progress(broadcast.id)

    def progress(self, broadcast_id: int) -> Progress:
        broadcast = self.get(broadcast_id)
        rows = self.db.execute(
            """SELECT status, COUNT(*) FROM broadcast_deliveries WHERE broadcast_id = ?
               GROUP BY status""",
            [broadcast.id],
        ).fetchall()
        return Progress(broadcast, dict(rows))

    def recent(self, limit: int = 10) -> list[Progress]:
        """The newest broadcasts first."""
        rows = self.db.execute(
            "SELECT id FROM broadcasts ORDER BY id DESC LIMIT ?", [limit]
        ).fetchall()
        return [self.progress(row[0]) for row in rows]

    def get(self, broadcast_id: int) -> Broadcast:
        row = self.db.execute(
            """SELECT id, text, audience, channel, groups, status, created_by, created_at,
                      confirmed_by, confirmed_at, finished_at FROM broadcasts WHERE id = ?""",
            [broadcast_id],
        ).fetchone()
        if row is None:
            raise BroadcastError(f"Không có thông báo số {broadcast_id}.")
        audience = Audience(row[2], row[3], tuple(json.loads(row[4])))
        return Broadcast(row[0], row[1], audience, *row[5:])

    def resolve_groups(self, targets: list[str]) -> tuple[str, ...]:
        """Group ids for what an admin typed: group ids, join codes, units (every group at or
        below them)."""
        groups: dict[str, None] = {}
        for target in (t.strip() for t in targets if t.strip()):
            ident = resolve_target(self.db, target)
            if ident is None:
                raise BroadcastError(f"Không có tổ công tác hay đơn vị nào có mã '{target}'.")
            under = groups_under(self.db, [ident])
            for group in sorted(under) or [ident]:
                groups[group] = None
        return tuple(groups)

    def when_confirmed(self, callback: Callable[[], None]) -> None:
        """Call `callback()` after each confirmation in this process (the sender wakes)."""
        self._on_confirm.append(callback)

    def _checked_text(self, text: str, audience: Audience) -> str:
        """NFC, trimmed, not empty, and one message on every channel (a reply split in two
        could be cut in half by a crash)."""
        text = unicodedata.normalize("NFC", text or "").strip()
        if not text:
            raise BroadcastError("Nội dung thông báo đang trống.")
        draft = Broadcast(0, text, audience, DRAFT, "", "")
        for channel in CHANNEL_NAMES:
            parts = len(self.channels.rendered(channel, draft.message()))
            if parts > 1:
                raise BroadcastError(
                    f"Nội dung dài {len(text)} ký tự: trên {CHANNEL_NAMES[channel]} thành "
                    f"{parts} tin (mỗi tin tối đa {self.channels.message_limit(channel)} ký tự, "
                    "kể cả tiêu đề); hãy rút gọn để mỗi người nhận đúng một tin.")
        return text

    def _channels(self, broadcast: Broadcast) -> list[str]:
        channels = self.channels.enabled()
        wanted = broadcast.audience.channel
        return [c for c in channels if wanted is None or c == wanted]

    def _recipients(self, broadcast: Broadcast) -> list[Recipient]:
        """Fixed delivery rows once confirmed; for a draft, who would get it now."""
        if broadcast.status != DRAFT:
            rows = self.db.execute(
                """SELECT id, channel, chat_id, user_id FROM broadcast_deliveries
                   WHERE broadcast_id = ? ORDER BY id""",
                [broadcast.id],
            ).fetchall()
            return [Recipient(*row) for row in rows]
        channels = self._channels(broadcast)
        marks = ",".join("?" * len(channels)) or "''"
        if broadcast.audience.kind == CITIZENS:
            query = f"""SELECT channel, chat_id, user_id FROM users WHERE opted_in = 1
                        AND active = 1 AND channel IN ({marks}) ORDER BY first_seen"""
            params = channels
        else:
            groups = broadcast.audience.groups
            query = f"""SELECT channel, chat_id, id FROM members WHERE active = 1
                        AND chat_id IS NOT NULL AND channel IN ({marks})
                        AND group_id IN ({",".join("?" * len(groups))}) ORDER BY group_id, name"""
            params = [*channels, *groups]
        unique: dict[tuple[str, str], Recipient] = {}
        for row in self.db.execute(query, params).fetchall():  # an official in two groups
            unique.setdefault((row[0], row[1]), Recipient(0, *row))
        return list(unique.values())
