"""Broadcasts (thông báo): one text to many people, previewed, confirmed, each sent once.

Audiences: citizens who opted in with /nhanthongbao (optionally on one channel only), or
the members of working groups (the scheduler's groups, named by id, join code, or a unit:
every group at or below it). Only channels this configuration enables are counted.

The API, for `troly06 broadcast`, the admin chat command /thongbao and the web console:

    broadcasts = Broadcasts(storage, config)       # any process with the configuration
    draft = broadcasts.create(text, Audience.citizens(), by="web:an")
    broadcasts.preview(draft.id)       # Preview: recipients per channel, text as rendered
    broadcasts.confirm(draft.id, by="web:an")   # recipients fixed now; sending starts
    broadcasts.progress(draft.id)      # Progress: counts per delivery status, describe()
    broadcasts.cancel(draft.id, by=…)  # drop a draft or stop one being sent (the few
                                       # messages already queued in the outbox still go)
    broadcasts.recent()                # Progress of the newest broadcasts
    broadcasts.resolve_groups(["BADINH06", "hn"])   # group ids for Audience.groups

Every refusal is a `BroadcastError` whose message is one Vietnamese line for the admin.
`describe()` of a Preview or Progress is the Vietnamese text the CLI and chat show.

Sending is done by `BroadcastSender`, a component of `troly06 run`: it picks up confirmed
broadcasts (at once in its own process, within CHECK_SECONDS when confirmed by another
process such as the CLI) and sends them through the outbox as BULK messages, so replies
to citizens go first and the platforms' rates hold. Truth is in SQLite: one row per
recipient in `broadcast_deliveries`, UNIQUE(broadcast, channel, chat), marked sent only
when the platform accepted. The outbox sends BULK messages one at a time per channel, so
after a crash the only message that can go twice is the one a platform accepted just
before it (one per channel); nothing else is resent. Blocked recipients are marked
inactive; Zalo OA users beyond the free 48 h are not sent to (unless
`zalo_oa.send_billed`) and counted apart; a send that may have arrived is never resent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.background import cancel_and_wait
from bot.channels.plain_text import render_parts
from bot.outbox import Outbox
from foundations.database import migrate
from foundations.delivery import (
    BLOCKED,
    BULK,
    FAILED,
    OUTSIDE_WINDOW,
    REFUSED,
    SENT,
    UNCONFIRMED,
    Outcome,
    Outgoing,
)
from foundations.messages import Reply
from foundations.settings import Config
from handlers.store import Storage
from scheduler.store import ensure_schema, groups_under, resolve_target

log = logging.getLogger(__name__)

COMPONENT = "broadcasts"
CITIZENS, GROUPS = "citizens", "groups"
DRAFT, SENDING, DONE, CANCELLED = "draft", "sending", "done", "cancelled"
PENDING, SKIPPED, STOPPED = "pending", "skipped", "stopped"
CHANNEL_NAMES = {"telegram": "Telegram", "zalo_bot": "Zalo Bot", "zalo_oa": "Zalo OA"}
TITLE = "📢 Thông báo"
OPT_OUT_HINT = "Gõ /huythongbao nếu không muốn nhận thông báo nữa."
STATE_WORDS = {DRAFT: "bản nháp", SENDING: "đang gửi", DONE: "đã gửi xong", CANCELLED: "đã hủy"}
STATUS_WORDS = {  # delivery statuses, in the order admins read them
    SENT: "đã gửi",
    PENDING: "chờ gửi",
    BLOCKED: "đã chặn bot",
    REFUSED: "nền tảng từ chối",
    OUTSIDE_WINDOW: "ngoài 48 giờ nhắn miễn phí của Zalo OA",
    UNCONFIRMED: "chưa rõ đã tới chưa (không gửi lại)",
    SKIPPED: "bỏ qua (đã hủy nhận hoặc rời tổ)",
    STOPPED: "không gửi (đã dừng)",
}
CHECK_SECONDS = 2.0  # how soon a broadcast confirmed by another process starts
WINDOW = 2  # messages of one broadcast queued per channel: reminders wait behind few
FAILED_PAUSE = 60.0  # a channel whose sends keep failing is left alone this long


class BroadcastError(Exception):
    """A broadcast action refused; the message is one Vietnamese line for the admin."""


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to."""

    kind: str  # CITIZENS or GROUPS
    channel: str | None = None  # citizens on this channel only; None: every channel
    groups: tuple[str, ...] = ()  # working group ids

    @classmethod
    def citizens(cls, channel: str | None = None) -> Audience:
        if channel is not None and channel not in CHANNEL_NAMES:
            raise BroadcastError(f"Không có kênh '{channel}': chọn một trong "
                                 f"{', '.join(CHANNEL_NAMES)}.")
        return cls(CITIZENS, channel)

    @classmethod
    def of_groups(cls, group_ids: tuple[str, ...]) -> Audience:
        if not group_ids:
            raise BroadcastError("Chưa chọn tổ công tác nào để gửi.")
        return cls(GROUPS, groups=tuple(group_ids))

    def describe(self) -> str:
        if self.kind == GROUPS:
            return f"thành viên {len(self.groups)} tổ công tác ({', '.join(self.groups)})"
        where = f" trên {CHANNEL_NAMES[self.channel]}" if self.channel else ""
        return f"người dân đã đăng ký nhận thông báo{where}"


@dataclass(frozen=True)
class Broadcast:
    id: int
    text: str
    audience: Audience
    status: str
    created_by: str
    created_at: str
    confirmed_by: str | None = None
    confirmed_at: str | None = None
    finished_at: str | None = None

    def message(self) -> Reply:
        """What every recipient gets; citizens are told how to stop receiving them."""
        text = self.text
        if self.audience.kind == CITIZENS:
            text += f"\n\n{OPT_OUT_HINT}"
        return Reply(text, title=TITLE, tags=frozenset({"broadcast"}))

    def headline(self) -> str:
        return f"Thông báo #{self.id} ({STATE_WORDS[self.status]}) tới {self.audience.describe()}"


@dataclass(frozen=True)
class Recipient:
    id: int  # the delivery row, 0 while the broadcast is a draft
    channel: str
    chat_id: str
    user_id: str  # citizens: users.user_id; groups: members.id


@dataclass(frozen=True)
class ChannelPreview:
    channel: str
    recipients: int
    outside_window: int  # Zalo OA users beyond the free 48 h now: they will not get it
    messages: tuple[str, ...]  # the text as this channel renders it (Telegram: HTML)


@dataclass(frozen=True)
class Preview:
    broadcast: Broadcast
    channels: tuple[ChannelPreview, ...]

    @property
    def total(self) -> int:
        return sum(channel.recipients for channel in self.channels)

    def describe(self, with_texts: bool = True) -> str:
        lines = [f"{self.broadcast.headline()}: {self.total} người nhận."]
        for channel in self.channels:
            line = f"- {CHANNEL_NAMES[channel.channel]}: {channel.recipients} người"
            if channel.outside_window:
                line += (f", trong đó {channel.outside_window} người ngoài 48 giờ nhắn miễn phí "
                         "sẽ không nhận được")
            lines.append(line)
        if with_texts:
            for channel in self.channels:
                lines += ["", f"--- Trên {CHANNEL_NAMES[channel.channel]}:", *channel.messages]
        return "\n".join(lines)


@dataclass(frozen=True)
class Progress:
    broadcast: Broadcast
    counts: Mapping[str, int]  # delivery status → recipients

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def finished(self) -> bool:
        return self.broadcast.status in (DONE, CANCELLED)

    def describe(self) -> str:
        parts = [f"{self.counts[status]} {words}" for status, words in STATUS_WORDS.items()
                 if self.counts.get(status)]
        if self.broadcast.status == DRAFT:
            return f"{self.broadcast.headline()}: chưa gửi."
        return f"{self.broadcast.headline()}: {self.total} người nhận; {', '.join(parts)}."


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


def configured_channels(config: Config) -> list[str]:
    """The channels `troly06 run` serves with this configuration (see bot.app)."""
    enabled = {
        "telegram": config.telegram.token,
        "zalo_bot": config.zalo_bot.token,
        "zalo_oa": config.zalo_oa.app_id,
    }
    return [channel for channel, setting in enabled.items() if setting]


# The channel modules are imported where used: they import the conversation, whose
# routers import this module.
def message_limit(channel: str) -> int:
    """Characters (UTF-16 units) one message of `channel` may hold."""
    if channel == "telegram":
        from bot.channels.telegram.render import MAX_MESSAGE

        return MAX_MESSAGE
    from bot.channels.zalo_bot import channel as zalo_bot
    from bot.channels.zalo_oa import sender as zalo_oa

    return {"zalo_bot": zalo_bot.MAX_TEXT, "zalo_oa": zalo_oa.MAX_TEXT}[channel]


def rendered(channel: str, reply: Reply) -> list[str]:
    """`reply` as the channel's sender will send it: Telegram HTML or Zalo plain text."""
    if channel == "telegram":
        from bot.channels.telegram.render import render

        return [message.html for message in render(reply)]
    return render_parts(reply, message_limit(channel))


class Broadcasts:
    """Drafts, confirmations and progress of broadcasts, in the shared database."""

    def __init__(self, storage: Storage, config: Config) -> None:
        self.storage = storage
        self.db = storage.db
        self.config = config
        migrate(self.db, COMPONENT, [_v1_tables])
        ensure_schema(self.db)  # the working groups' tables, even when reminders are off
        self._on_confirm: list[Callable[[], None]] = []

    # -- what admins do -----------------------------------------------------------------

    def create(self, text: str, audience: Audience, by: str) -> Broadcast:
        """A draft: nothing is sent before `confirm`."""
        text = self._checked_text(text, audience)
        with self.db.conn:
            cursor = self.db.execute(
                """INSERT INTO broadcasts (text, audience, channel, groups, created_by,
                                           created_at) VALUES (?, ?, ?, ?, ?, ?)""",
                [text, audience.kind, audience.channel, json.dumps(list(audience.groups)),
                 by, _now()],
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
            outside = self._outside_window(mine) if channel == "zalo_oa" else 0
            texts = tuple(rendered(channel, broadcast.message()))
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
                [SENDING, by, _now(), broadcast.id],
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
                [CANCELLED, _now(), broadcast.id],
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

    # -- what the sender does -----------------------------------------------------------

    def sending(self) -> list[Broadcast]:
        rows = self.db.execute(
            "SELECT id FROM broadcasts WHERE status = ? ORDER BY id", [SENDING]
        ).fetchall()
        return [self.get(row[0]) for row in rows]

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
                [status, _now() if status == SENT else None, detail or None, recipient.id,
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
                [DONE, _now(), broadcast_id, SENDING, broadcast_id, PENDING],
            )
        if cursor.rowcount:
            log.info("%s", self.progress(broadcast_id).describe())
        return cursor.rowcount == 1

    # -- inside -------------------------------------------------------------------------

    def _checked_text(self, text: str, audience: Audience) -> str:
        """NFC, trimmed, not empty, and one message on every channel (a reply split in two
        could be cut in half by a crash)."""
        text = unicodedata.normalize("NFC", text or "").strip()
        if not text:
            raise BroadcastError("Nội dung thông báo đang trống.")
        draft = Broadcast(0, text, audience, DRAFT, "", "")
        for channel in CHANNEL_NAMES:
            parts = len(rendered(channel, draft.message()))
            if parts > 1:
                raise BroadcastError(
                    f"Nội dung dài {len(text)} ký tự: trên {CHANNEL_NAMES[channel]} thành "
                    f"{parts} tin (mỗi tin tối đa {message_limit(channel)} ký tự, kể cả tiêu đề); "
                    "hãy rút gọn để mỗi người nhận đúng một tin.")
        return text

    def _channels(self, broadcast: Broadcast) -> list[str]:
        channels = configured_channels(self.config)
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

    def _outside_window(self, recipients: list[Recipient]) -> int:
        """Zalo OA recipients who last wrote more than 48 h ago: not sent to unless billed."""
        if self.config.zalo_oa.send_billed or "zalo_oa_interactions" not in self.db.table_names():
            return 0
        from bot.channels.zalo_oa.sender import FREE_WINDOW

        since = datetime.now(UTC).timestamp() - FREE_WINDOW
        recent = {row[0] for row in self.db.execute(
            "SELECT user_id FROM zalo_oa_interactions WHERE at >= ?", [since]).fetchall()}
        return sum(1 for r in recipients if r.chat_id not in recent)

    def _deactivate(self, broadcast: Broadcast, recipient: Recipient) -> None:
        if broadcast.audience.kind == CITIZENS:
            self.storage.set_active(recipient.channel, recipient.user_id, False)
            return
        with self.db.conn:
            self.db.execute(
                "UPDATE members SET active = 0 WHERE channel = ? AND chat_id = ?",
                [recipient.channel, recipient.chat_id],
            )


class BroadcastSender:
    """Sends confirmed broadcasts through the outbox; a component of `troly06 run`."""

    def __init__(self, broadcasts: Broadcasts, outbox: Outbox,
                 check_seconds: float = CHECK_SECONDS, failed_pause: float = FAILED_PAUSE) -> None:
        self.broadcasts = broadcasts
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
        for broadcast in self.broadcasts.sending():
            for channel in CHANNEL_NAMES:
                if self.outbox.serves(channel) and self._paused_until.get(channel, 0) <= now:
                    await self._fill(broadcast, channel)
            if not any(b == broadcast.id for b, _ in self._in_flight.values()):
                self.broadcasts.finish_if_done(broadcast.id)

    async def _fill(self, broadcast: Broadcast, channel: str) -> None:
        queued = sum(1 for key in self._in_flight.values() if key == (broadcast.id, channel))
        room = WINDOW - queued
        if room <= 0:
            return
        reply = broadcast.message()
        for recipient in self.broadcasts.pending(broadcast.id, channel, room,
                                                 set(self._in_flight)):
            if not self.broadcasts.still_wanted(broadcast, recipient):
                self.broadcasts.record(broadcast, recipient, SKIPPED)
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
                self.broadcasts.record(broadcast, recipient, outcome.status, outcome.detail)
            self.poke()

        return record


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
