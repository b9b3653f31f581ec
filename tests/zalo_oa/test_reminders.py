"""Officials on the OA: join by code, get reminders through the outbox and answer them by
number. A reminder is sent only within 48 h of the official's last message to the OA (the
free window); outside it, and when Zalo refuses, the delivery is recorded (apart: outside
the window, or refused), not retried, reported to the group leader once per task and
counted in /tiendo. The channel and the engine share one manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.channels.zalo_oa.channel import ZaloOAChannel
from foundations.settings import Config
from knowledge.service import KnowledgeService
from scheduler.app import Officials
from scheduler.store import join_by_phone
from tests.channels import officials_on_channel
from tests.fakes.zalo_oa_api import FakeZaloOA
from tests.scheduler.conftest import ROSTER_YAML, local
from tests.zalo_oa.conftest import Post

OFFICIAL, LEADER = "oa-can-bo", "oa-to-truong"
RESTRICTED = -244  # the user restricted this kind of message


@pytest.fixture
async def officials(
    tmp_path: Path,
    make_config: Callable[..., Config],
    oa_settings: dict[str, Any],
    shipped_knowledge: KnowledgeService,
    zalo_oa: FakeZaloOA,
) -> AsyncIterator[Officials]:
    """The bot as App composes it, with the reminder engine and the channel on a manual
    clock that also dates the events users send."""
    roster = tmp_path / "roster.yaml"
    roster.write_text(ROSTER_YAML, encoding="utf-8")
    config = make_config(**{**oa_settings, "scheduler__enabled": True,
                            "scheduler__files": [str(roster)]})
    now = local("2025-08-12T09:00")
    async with officials_on_channel(
        config, shipped_knowledge, ZaloOAChannel, now, channel_on_clock=True
    ) as feature:
        zalo_oa.clock = feature.service.clock
        join_by_phone(feature.db, "0900000001", "zalo_oa", LEADER)
        yield feature


@pytest.fixture
def bot(officials: Officials) -> Officials:
    """The `post` fixture posts to this bot's webhook."""
    return officials


def notices(zalo_oa: FakeZaloOA) -> list[str]:
    return [t for t in zalo_oa.texts(LEADER) if "Không gửi được nhắc việc tới thành viên" in t]


def statuses(officials: Officials) -> list[tuple[str, str]]:
    return officials.db.execute(
        """SELECT d.kind, d.status FROM deliveries d JOIN members m ON m.id = d.member_id
           WHERE m.chat_id = ? ORDER BY d.id""",
        [OFFICIAL],
    ).fetchall()


async def say(post: Post, zalo_oa: FakeZaloOA, user_id: str, text: str) -> str:
    """`user_id` writes `text` to the OA; returns the bot's (last) answer."""
    count = len(zalo_oa.texts(user_id))
    assert await post(*zalo_oa.signed(zalo_oa.text_event(user_id, text))) == 200
    return (await zalo_oa.wait_texts(user_id, count + 1))[-1]


async def test_a_reminder_reaches_an_oa_official_who_joined_by_code_and_types_1_to_finish(
    officials: Officials, zalo_oa: FakeZaloOA, post: Post
) -> None:
    joined = await say(post, zalo_oa, OFFICIAL, "/dangky BADINH06")
    assert "Đã tham gia Tổ công tác phường Ba Đình" in joined

    await officials.service.tick()
    reminder = (await zalo_oa.wait_texts(OFFICIAL, 2))[-1]
    assert "Làm sạch dữ liệu dân cư" in reminder and "Gõ 1 hoặc 2 để chọn." in reminder
    await zalo_oa.wait_for(lambda: statuses(officials) == [("before3", "sent")])

    done = await say(post, zalo_oa, OFFICIAL, "1")  # ✅
    assert done.startswith("✅ Đã ghi nhận hoàn thành: Làm sạch dữ liệu dân cư")


async def test_a_refused_reminder_is_recorded_reported_once_and_counted_in_progress(
    officials: Officials, zalo_oa: FakeZaloOA, post: Post
) -> None:
    await say(post, zalo_oa, OFFICIAL, "/dangky BADINH06")
    await say(post, zalo_oa, LEADER, "/nhiemvu")
    zalo_oa.refusing[OFFICIAL] = RESTRICTED

    await officials.service.tick()
    await zalo_oa.wait_for(lambda: statuses(officials) == [("before3", "refused")])
    await zalo_oa.wait_for(lambda: len(notices(zalo_oa)) == 1)
    (notice,) = notices(zalo_oa)
    assert OFFICIAL in notice  # OA events carry no name: the id stands in
    assert "Tổ công tác phường Ba Đình" in notice and "nền tảng từ chối" in notice

    await officials.service.tick()  # not retried
    await officials.service.clock.set(local("2025-08-14T08:00"))  # 47 h later: still free
    await officials.service.tick()  # the next reminder kind tries again, the leader hears once
    await zalo_oa.wait_for(
        lambda: statuses(officials) == [("before3", "refused"), ("before1", "refused")]
    )
    refused_sends = [s for s in zalo_oa.sends if s.user_id == OFFICIAL and s.error]
    assert len(refused_sends) == 2
    await officials.service.outbox.join()  # a second notice would have been delivered by now
    assert len(notices(zalo_oa)) == 1

    progress = await say(post, zalo_oa, LEADER, "/tiendo")
    assert "1 người không nhận được nhắc việc: nền tảng từ chối" in progress


async def test_outside_the_free_48_hours_a_reminder_is_not_sent_but_recorded_apart(
    officials: Officials, zalo_oa: FakeZaloOA, post: Post
) -> None:
    clock = officials.service.clock
    await say(post, zalo_oa, OFFICIAL, "/dangky BADINH06")
    await say(post, zalo_oa, LEADER, "/nhiemvu")  # the leader is reminded too
    await officials.service.tick()
    await zalo_oa.wait_for(lambda: statuses(officials) == [("before3", "sent")])
    sends_so_far = len(zalo_oa.sends)

    await clock.set(local("2025-08-15T08:00"))  # 71 h after the official last wrote
    await say(post, zalo_oa, LEADER, "/nhiemvu")
    await officials.service.tick()
    await zalo_oa.wait_for(
        lambda: statuses(officials) == [("before3", "sent"), ("due", "outside_window")]
    )
    assert OFFICIAL not in {s.user_id for s in zalo_oa.sends[sends_so_far:]}  # nothing billed
    await zalo_oa.wait_for(lambda: len(notices(zalo_oa)) == 1)
    assert "ngoài 48 giờ nhắn miễn phí của Zalo OA" in notices(zalo_oa)[0]
    assert "nhắn một tin bất kỳ cho OA" in notices(zalo_oa)[0]

    progress = await say(post, zalo_oa, LEADER, "/tiendo")
    assert "1 người không nhận được nhắc việc: ngoài 48 giờ nhắn miễn phí của Zalo OA" in (
        progress
    )
    assert "nền tảng từ chối" not in progress

    await clock.set(local("2025-08-15T10:00"))
    await say(post, zalo_oa, OFFICIAL, "/nhiemvu")  # writing opens the window again
    await clock.set(local("2025-08-16T08:00"))
    await officials.service.tick()
    await zalo_oa.wait_for(lambda: statuses(officials)[-1] == ("overdue1", "sent"))
    await officials.service.outbox.join()
    assert len(notices(zalo_oa)) == 1
