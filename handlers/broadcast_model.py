"""What a broadcast (thông báo) is, in words admins read: its audience, its record, the preview
of a draft and the progress of a sending one.

The store that keeps them is handlers/broadcast_store.py; the loop that sends them through
the outbox is bot/broadcast.py. Every refusal is a `BroadcastError` whose message is one
Vietnamese line for the admin; `describe()` of a Preview or Progress is the Vietnamese text
the CLI, the chat and the web console show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from foundations.delivery import BLOCKED, OUTSIDE_WINDOW, REFUSED, SENT, UNCONFIRMED
from foundations.messages import Reply

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


