"""Reminder policy end to end: offsets, quiet hours, snooze, done, restart, downtime."""

import asyncio

from bot.outbox import Blocked, TemporaryFailure, Unconfirmed
from scheduler import api
from scheduler.messages import DONE_BUTTON, SNOOZE_BUTTON
from scheduler.store import join_by_phone
from tests.fakes.clock import ManualClock
from tests.scheduler.conftest import ROSTER_YAML, World, local

GROUP_CHATS = ("c-truong", "c-an", "c-binh")


async def test_reminders_go_out_7_3_1_days_before_and_on_the_due_day_at_8(world):
    assert await world.at("2025-08-08T07:59") == local("2025-08-08T08:00")
    assert world.delivered() == []
    for moment, countdown in [
        ("2025-08-08T08:00", "còn 7 ngày"),
        ("2025-08-12T08:00", "còn 3 ngày"),
        ("2025-08-14T08:00", "còn 1 ngày"),
        ("2025-08-15T08:00", "hạn hôm nay"),
    ]:
        await world.at(moment)
        for chat in GROUP_CHATS:
            assert countdown in world.texts(chat)[-1]
    assert [kind for chat, kind in world.delivered() if chat == "c-an"] == [
        "before7",
        "before3",
        "before1",
        "due",
    ]
    assert world.texts("c-cuong") == []  # another group, not assigned


async def test_a_reminder_names_the_task_its_deadline_and_legal_basis_with_buttons(world):
    await world.at("2025-08-08T08:00")
    reply = world.sender.to("c-an")[0]
    assert "Làm sạch dữ liệu dân cư" in reply.text
    assert "Hạn: 17:00 ngày 15/08/2025" in reply.text
    assert "Căn cứ: Chỉ thị 45-CT/TU" in reply.text
    labels = [b.label for b in reply.all_buttons()]
    assert labels == [DONE_BUTTON, SNOOZE_BUTTON]
    assert all(len(b.payload.encode()) <= 64 for b in reply.all_buttons())


async def test_ticking_twice_at_the_same_moment_sends_once(world):
    await world.at("2025-08-08T08:00")
    await world.at("2025-08-08T08:05")
    assert len(world.texts("c-an")) == 1


async def test_done_stops_that_members_reminders_only(world):
    await world.at("2025-08-08T08:00")
    occurrence = world.first_occurrence()
    assert api.press_done(world.officials, "telegram", "c-an", occurrence.id)
    await world.at("2025-08-12T08:00")
    assert len(world.texts("c-an")) == 1
    assert len(world.texts("c-binh")) == 2


async def test_done_for_the_whole_group_when_configured(tmp_path, clock):
    world = World(tmp_path, clock, done_scope="group")
    world.load()
    await world.at("2025-08-08T08:00")
    occurrence = world.first_occurrence()
    api.press_done(world.officials, "telegram", "c-an", occurrence.id)
    await world.at("2025-08-12T08:00")
    assert [len(world.texts(chat)) for chat in GROUP_CHATS] == [1, 1, 1]
    await world.outbox.stop()


async def test_snooze_reminds_again_after_the_delay(world):
    await world.at("2025-08-08T08:00")
    occurrence = world.first_occurrence()
    await world.clock.set(local("2025-08-08T09:00"))
    pressed = api.press_snooze(world.officials, "telegram", "c-an", occurrence.id)
    assert pressed.again_at == local("2025-08-08T11:00")
    assert await world.at("2025-08-08T10:59") == local("2025-08-08T11:00")
    assert len(world.texts("c-an")) == 1
    await world.at("2025-08-08T11:00")
    assert len(world.texts("c-an")) == 2
    assert len(world.texts("c-binh")) == 1


async def test_nothing_is_sent_during_quiet_hours_a_missed_reminder_and_a_late_snooze_wait(world):
    await world.at("2025-08-08T22:30")  # down all day: the 08:00 reminder is due, but at night
    assert world.texts("c-an") == []
    await world.at("2025-08-09T07:00")
    assert len(world.texts("c-an")) == 1
    occurrence = world.first_occurrence()
    await world.clock.set(local("2025-08-09T20:00"))
    pressed = api.press_snooze(world.officials, "telegram", "c-an", occurrence.id)
    assert pressed.again_at == local("2025-08-10T07:00")
    await world.at("2025-08-09T23:30")
    assert len(world.texts("c-an")) == 1
    await world.at("2025-08-10T07:00")
    assert len(world.texts("c-an")) == 2


async def test_overdue_reminders_daily_then_stop(world):
    for day in range(15, 22):
        await world.at(f"2025-08-{day}T08:00")
    kinds = [kind for chat, kind in world.delivered() if chat == "c-an"]
    assert kinds == ["due", "overdue1", "overdue2", "overdue3"]
    assert "đã quá hạn 1 ngày" in world.texts("c-an")[1]


async def test_escalation_tells_the_group_leader_and_the_parent_units_leader(world):
    await world.at("2025-08-15T08:00")
    occurrence = world.first_occurrence()
    api.press_done(world.officials, "telegram", "c-binh", occurrence.id)  # Bình is done
    await world.at("2025-08-16T08:00")
    ward_leader = world.texts("c-truong")[-1]
    city_leader = world.texts("c-tinh")[-1]
    for text in (ward_leader, city_leader):
        assert "quá hạn" in text
        assert "Tổ công tác phường Ba Đình" in text
        assert "Nguyễn Văn An" in text
        assert "Phạm Thị Bình" not in text
    assert world.texts("c-cuong") == []  # a unit below is not told about its parent


async def test_a_member_who_blocked_the_bot_is_deactivated_and_the_leader_told(world):
    world.sender.fail("c-an", Blocked("Forbidden: bot was blocked by the user"))
    await world.at("2025-08-08T08:00")
    assert any("Nguyễn Văn An" in t and "đã chặn" in t for t in world.texts("c-truong"))
    await world.at("2025-08-12T08:00")
    assert world.texts("c-an") == []
    active = world.db.execute(
        "SELECT active FROM members WHERE id = 'tct-ba-dinh.0900000002'"
    ).fetchone()
    assert active == (0,)


async def test_a_reminder_that_may_have_arrived_is_not_sent_again(world):
    world.sender.fail("c-an", Unconfirmed("no answer within the read timeout"))
    world.sender.fail("c-binh", *[TemporaryFailure("502 Bad Gateway")] * 5)
    await world.at("2025-08-08T08:00")
    await world.clock.advance(60)
    await world.at("2025-08-08T08:05")  # the safety tick retries what surely did not leave
    assert len(world.texts("c-binh")) == 1
    assert [chat for _, chat in world.sender.attempts].count("c-an") == 1
    status = world.db.execute(
        "SELECT status FROM deliveries WHERE member_id = 'tct-ba-dinh.0900000002'"
    ).fetchall()
    assert status == [("unconfirmed",)]


async def test_reminders_missed_while_down_arrive_once_collapsed_into_one_message(tmp_path, clock):
    two_tasks = (
        ROSTER_YAML
        + """\
  - id: cap-can-cuoc
    title: Rà soát hồ sơ cấp căn cước
    due: 2025-08-16
    groups: [tct-ba-dinh]
"""
    )
    world = World(tmp_path, clock)
    world.load(two_tasks)
    await world.at("2025-08-14T09:30")  # the bot was down since 1 August
    texts = world.texts("c-an")
    assert len(texts) == 1
    assert "Làm sạch dữ liệu dân cư" in texts[0] and "Rà soát hồ sơ cấp căn cước" in texts[0]
    assert "còn 1 ngày" in texts[0] and "còn 2 ngày" in texts[0]
    reply = world.sender.to("c-an")[0]
    assert len(reply.all_buttons()) == 4
    kinds = sorted(kind for chat, kind in world.delivered() if chat == "c-an")
    assert kinds == ["before1", "before3"]  # the newest of each; 7 days before is superseded
    await world.outbox.stop()


def with_officials(world: World, count: int) -> None:
    """The ward's group with `count` officials in Bình's place, each linked to a chat."""
    world.load(ROSTER_YAML.replace(
        '      - {name: Phạm Thị Bình, phone: "0900000003"}\n',
        "".join(f'      - {{name: Cán bộ {i}, phone: "09100{i:05d}"}}\n' for i in range(count)),
    ))  # fmt: skip
    for i in range(count):
        join_by_phone(world.db, f"09100{i:05d}", "telegram", f"c-{i}")


async def test_restart_in_the_middle_of_a_fan_out_sends_each_reminder_exactly_once(tmp_path):
    clock = ManualClock(local("2025-08-01T00:00"))
    first = World(tmp_path, clock)
    with_officials(first, 40)
    first.outbox.register(first.sender, rate_per_second=10)
    await first.clock.set(local("2025-08-08T08:00"))
    await first.outbox.start()
    await first.service.tick()
    await clock.advance(1.05)  # about 10 of 42 sent, then the process dies
    await first.outbox.stop()
    sent_before = len(first.sender.sent)
    assert 0 < sent_before < 42

    second = World(tmp_path, clock)  # same database file, fresh process state
    await second.at("2025-08-08T08:01")
    await clock.advance(10)
    chats = [chat for _, chat, _ in first.sender.sent + second.sender.sent]
    assert len(chats) == 42
    assert len(set(chats)) == 42
    assert len(second.delivered()) == 42
    await second.outbox.stop()


async def test_a_large_fan_out_lets_citizens_in_while_it_queues_the_reminders(world):
    with_officials(world, 250)
    await world.clock.set(local("2025-08-08T08:00"))
    fan_out = asyncio.create_task(world.service.tick())
    queued_whenever_others_ran = []
    while not fan_out.done():
        queued_whenever_others_ran.append(world.outbox.pending())
        await asyncio.sleep(0)
    assert any(0 < queued < 252 for queued in queued_whenever_others_ran)  # mid-fan-out
    assert world.outbox.pending() == 252  # the leader, An and the 250, each once
