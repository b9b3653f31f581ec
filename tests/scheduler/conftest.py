"""Scheduler fixtures: a real SQLite file, the real engine, a manual clock, a scripted channel.

The roster below: province (tỉnh) → ward (phường) → residential group (tổ dân phố), one
working group at each level, each with a leader; the ward group has two more members.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.outbox import Outbox
from foundations.database import open_database
from scheduler.app import Officials
from scheduler.delivery import ReminderService
from scheduler.files import load_roster
from scheduler.policy import ReminderPolicy
from scheduler.store import ensure_schema, join_by_phone, sync_roster
from scheduler.timer import ReminderTimer
from tests.fakes.clock import ManualClock
from tests.fakes.scripted_channel import ScriptedSender

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LEVELS = ("tinh", "xa", "thon")

ROSTER_YAML = """\
units:
  - {id: hn, name: Thành phố Hà Nội, level: tinh}
  - {id: ba-dinh, name: Phường Ba Đình, level: xa, parent: hn}
  - {id: tdp-1, name: Tổ dân phố số 1, level: thon, parent: ba-dinh}
groups:
  - id: tct-hn
    name: Tổ công tác Đề án 06 thành phố
    unit: hn
    join_code: HANOI06
    members:
      - {name: Lê Văn Tỉnh, phone: "0900000000", role: leader}
  - id: tct-ba-dinh
    name: Tổ công tác phường Ba Đình
    unit: ba-dinh
    join_code: BADINH06
    members:
      - {name: Trần Thị Trưởng, phone: "0900000001", role: leader}
      - {name: Nguyễn Văn An, phone: "0900000002"}
      - {name: Phạm Thị Bình, phone: "0900000003"}
  - id: tct-tdp-1
    name: Tổ công tác tổ dân phố số 1
    unit: tdp-1
    join_code: TDP1BD06
    members:
      - {name: Hoàng Văn Cường, phone: "0900000004", role: leader}
tasks:
  - id: lam-sach
    title: Làm sạch dữ liệu dân cư
    legal_basis: Chỉ thị 45-CT/TU
    due: 2025-08-15
    time: "17:00"
    groups: [tct-ba-dinh]
"""

CHATS = {  # phone → chat id
    "0900000000": "c-tinh",
    "0900000001": "c-truong",
    "0900000002": "c-an",
    "0900000003": "c-binh",
    "0900000004": "c-cuong",
}


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


class World:
    """The engine and everything around it, driven by a manual clock."""

    def __init__(self, path: Path, clock: ManualClock, done_scope: str = "member") -> None:
        self.path = path
        self.clock = clock
        self.db = open_database(path / "t.db")
        ensure_schema(self.db)
        self.sender = ScriptedSender(clock, "telegram")
        self.outbox = Outbox(clock=clock)
        self.outbox.register(self.sender, rate_per_second=1000)
        self.service = ReminderService(
            self.db, self.outbox, ReminderPolicy(TZ), clock, done_scope=done_scope
        )
        self.officials = Officials(self.db, self.service, ReminderTimer(self.service, TZ))

    def load(self, text: str = ROSTER_YAML) -> None:
        file = self.path / "roster.yaml"
        file.write_text(text, encoding="utf-8")
        roster, problems = load_roster([file], LEVELS, tz=TZ)
        assert not problems, [str(p) for p in problems]
        sync_roster(self.db, roster)
        for phone, chat in CHATS.items():
            join_by_phone(self.db, phone, "telegram", chat)

    async def at(self, moment: str) -> datetime:
        """Move to local time `moment`, tick, let the outbox deliver; returns next wake."""
        await self.clock.set(local(moment))
        await self.outbox.start()
        next_wake = await self.service.tick()
        await self.clock.advance(2)
        return next_wake

    def first_occurrence(self):
        return self.service.planner.open_occurrences(self.clock.now())[0]

    def texts(self, chat: str) -> list[str]:
        return [reply.text for reply in self.sender.to(chat)]

    def delivered(self) -> list[tuple[str, str]]:
        return self.db.execute(
            """SELECT m.chat_id, d.kind FROM deliveries d JOIN members m ON m.id = d.member_id
               WHERE d.status = 'sent' ORDER BY d.id"""
        ).fetchall()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(local("2025-08-01T00:00"))


@pytest.fixture
async def world(tmp_path: Path, clock: ManualClock):
    w = World(tmp_path, clock)
    w.load()
    yield w
    await w.outbox.stop()
