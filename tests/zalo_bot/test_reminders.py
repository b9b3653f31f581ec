"""An official registers from Zalo with the group's join code, receives the reminder through
the outbox as numbered choices, and answers it by typing a number."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.channels.zalo_bot.channel import ZaloBotChannel
from foundations.settings import Config
from knowledge.service import KnowledgeService
from scheduler.app import Officials
from scheduler.store import join_by_phone
from tests.channels import FAST_OUTBOX, officials_on_channel
from tests.fakes.zalo_bot_api import TOKEN, FakeZaloBot
from tests.scheduler.conftest import ROSTER_YAML, local

OFFICIAL, LEADER = "zl-can-bo-1", "zl-to-truong"


@pytest.fixture
async def officials(
    tmp_path: Path,
    make_config: Callable[..., Config],
    zalo_api: FakeZaloBot,
    shipped_knowledge: KnowledgeService,
) -> AsyncIterator[Officials]:
    """The bot as App composes it, with the reminder engine on a manual clock."""
    roster = tmp_path / "roster.yaml"
    roster.write_text(ROSTER_YAML, encoding="utf-8")
    config = make_config(
        scheduler__files=[str(roster)],
        zalo_bot__token=TOKEN,
        zalo_bot__base_url=zalo_api.base_url,
        zalo_bot__poll_timeout=1,
        **FAST_OUTBOX,
    )
    now = local("2025-08-14T08:00")
    async with officials_on_channel(config, shipped_knowledge, ZaloBotChannel, now) as feature:
        yield feature


async def test_a_zalo_official_joins_by_code_gets_the_reminder_and_types_1_to_finish(
    officials: Officials, zalo_api: FakeZaloBot
) -> None:
    zalo_api.send_text(OFFICIAL, "/dangky badinh06", name="Nguyễn Văn Zalo")
    (joined,) = await zalo_api.wait_texts(OFFICIAL, 1)
    assert "Đã tham gia Tổ công tác phường Ba Đình" in joined

    await officials.service.tick()
    reminder = (await zalo_api.wait_texts(OFFICIAL, 2))[-1]
    assert "Làm sạch dữ liệu dân cư" in reminder and "còn 1 ngày" in reminder
    assert "  1. ✅ Đã hoàn thành\n  2. ⏰ Nhắc lại sau\nGõ 1 hoặc 2 để chọn." in reminder
    await zalo_api.wait_for(lambda: _statuses(officials) == [("before1", "sent")])

    zalo_api.send_text(OFFICIAL, "1")
    done = (await zalo_api.wait_texts(OFFICIAL, 3))[-1]
    assert done.startswith("✅ Đã ghi nhận hoàn thành: Làm sạch dữ liệu dân cư")


async def test_a_zalo_fault_403_is_retried_the_official_stays_reachable_no_leader_is_told(
    officials: Officials, zalo_api: FakeZaloBot
) -> None:
    join_by_phone(officials.db, "0900000001", "zalo_bot", LEADER)
    zalo_api.send_text(OFFICIAL, "/dangky BADINH06")
    await zalo_api.wait_texts(OFFICIAL, 1)
    zalo_api.fail("sendMessage", 403, "Internal server error", times=1)

    await officials.service.tick()
    await zalo_api.wait_for(lambda: _statuses(officials) == [("before1", "sent")])
    assert "Làm sạch dữ liệu dân cư" in zalo_api.texts(OFFICIAL)[-1]
    await officials.service.outbox.join()
    assert all("chặn" not in text for text in zalo_api.texts(LEADER))
    active = officials.db.execute(
        "SELECT active FROM members WHERE channel = 'zalo_bot' AND chat_id = ?", [OFFICIAL]
    ).fetchone()
    assert active == (1,)


def _statuses(officials: Officials) -> list[tuple[str, str]]:
    return officials.db.execute(
        """SELECT d.kind, d.status FROM deliveries d JOIN members m ON m.id = d.member_id
           WHERE m.channel = 'zalo_bot' AND m.chat_id = ?""",
        [OFFICIAL],
    ).fetchall()
