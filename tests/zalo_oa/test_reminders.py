"""Officials on the OA: join by code, get reminders through the outbox; a reminder Zalo
refuses (outside the free window) is recorded per delivery, not retried, reported to the
group leader once and counted in /tiendo."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config
from bot.zalo_oa_channel import ZaloOAChannel
from knowledge.service import KnowledgeService
from scheduler.app import Officials
from scheduler.store import join_by_phone
from tests.channels import officials_on_channel
from tests.fakes.zalo_oa_api import FakeZaloOA
from tests.scheduler.conftest import ROSTER_YAML, local
from tests.zalo_oa.conftest import Post

OFFICIAL, LEADER = "oa-can-bo", "oa-to-truong"


@pytest.fixture
async def officials(
    tmp_path: Path,
    make_config: Callable[..., Config],
    oa_settings: dict[str, Any],
    shipped_knowledge: KnowledgeService,
) -> AsyncIterator[Officials]:
    """The bot as App composes it, with the reminder engine on a manual clock."""
    roster = tmp_path / "roster.yaml"
    roster.write_text(ROSTER_YAML, encoding="utf-8")
    config = make_config(**{**oa_settings, "scheduler__enabled": True,
                            "scheduler__files": [str(roster)]})
    now = local("2025-08-12T08:00")
    async with officials_on_channel(config, shipped_knowledge, ZaloOAChannel, now) as feature:
        join_by_phone(feature.db, "0900000001", "zalo_oa", LEADER)
        yield feature


@pytest.fixture
def bot(officials: Officials) -> Officials:
    """The `post` fixture posts to this bot's webhook."""
    return officials


def notices(zalo_oa: FakeZaloOA) -> int:
    return sum("Không gửi được nhắc việc tới thành viên" in t for t in zalo_oa.texts(LEADER))


def statuses(officials: Officials) -> list[tuple[str, str]]:
    return officials.db.execute(
        """SELECT d.kind, d.status FROM deliveries d JOIN members m ON m.id = d.member_id
           WHERE m.chat_id = ? ORDER BY d.id""",
        [OFFICIAL],
    ).fetchall()


async def test_a_reminder_reaches_an_oa_official_who_joined_by_code_and_types_1_to_finish(
    officials: Officials, zalo_oa: FakeZaloOA, post: Post
) -> None:
    assert await post(*zalo_oa.signed(zalo_oa.text_event(OFFICIAL, "/dangky BADINH06"))) == 200
    (joined,) = await zalo_oa.wait_texts(OFFICIAL, 1)
    assert "Đã tham gia Tổ công tác phường Ba Đình" in joined

    await officials.service.tick()
    reminder = (await zalo_oa.wait_texts(OFFICIAL, 2))[-1]
    assert "Làm sạch dữ liệu dân cư" in reminder and "Gõ 1 hoặc 2 để chọn." in reminder
    await zalo_oa.wait_for(lambda: statuses(officials) == [("before3", "sent")])

    assert await post(*zalo_oa.signed(zalo_oa.text_event(OFFICIAL, "1"))) == 200  # ✅
    done = (await zalo_oa.wait_texts(OFFICIAL, 3))[-1]
    assert done.startswith("✅ Đã ghi nhận hoàn thành: Làm sạch dữ liệu dân cư")


async def test_a_refused_reminder_is_recorded_reported_once_and_counted_in_progress(
    officials: Officials, zalo_oa: FakeZaloOA, post: Post
) -> None:
    assert await post(*zalo_oa.signed(zalo_oa.text_event(OFFICIAL, "/dangky BADINH06"))) == 200
    await zalo_oa.wait_texts(OFFICIAL, 1)
    zalo_oa.outside_window.add(OFFICIAL)

    await officials.service.tick()
    await zalo_oa.wait_for(lambda: statuses(officials) == [("before3", "refused")])
    await zalo_oa.wait_for(lambda: notices(zalo_oa) == 1)
    assert OFFICIAL in zalo_oa.texts(LEADER)[-1]  # OA events carry no name: the id stands in
    assert "Tổ công tác phường Ba Đình" in zalo_oa.texts(LEADER)[-1]

    await officials.service.tick()  # not retried
    await officials.service.clock.set(local("2025-08-14T08:00"))
    await officials.service.tick()  # the next reminder kind tries again, the leader hears once
    await zalo_oa.wait_for(
        lambda: statuses(officials) == [("before3", "refused"), ("before1", "refused")]
    )
    refused_sends = [s for s in zalo_oa.sends if s.user_id == OFFICIAL and s.error]
    assert len(refused_sends) == 2
    await officials.service.outbox.join()  # a second notice would have been delivered by now
    assert notices(zalo_oa) == 1

    assert await post(*zalo_oa.signed(zalo_oa.text_event(LEADER, "/tiendo"))) == 200
    progress = (await zalo_oa.wait_texts(LEADER, len(zalo_oa.texts(LEADER)) + 1))[-1]
    assert "1 người không nhận được nhắc việc: nền tảng từ chối" in progress
