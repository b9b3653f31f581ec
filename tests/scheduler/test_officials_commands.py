"""What officials type and press: /dangky, phone sharing, /roi, /nhiemvu, /tiendo, buttons,
and the admin's /taonhiemvu — through the real conversation router."""

import pytest

from bot.outbox import Outbox
from foundations.database import open_database
from foundations.messages import Incoming
from handlers import officials as officials_feature
from handlers.conversation import Conversation
from handlers.router import Services
from scheduler.app import Officials
from tests.fakes.clock import ManualClock
from tests.fakes.scripted_channel import ScriptedSender
from tests.scheduler.conftest import ROSTER_YAML, local


@pytest.fixture
async def bot(tmp_path, make_config):
    roster = tmp_path / "roster.yaml"
    roster.write_text(ROSTER_YAML, encoding="utf-8")
    config = make_config(scheduler__files=[str(roster)], admin__users=["telegram:admin"])
    clock = ManualClock(local("2025-08-10T09:00"))
    outbox = Outbox(clock=clock)
    outbox.register(ScriptedSender(clock, "telegram"), rate_per_second=100)
    db = open_database(tmp_path / "t.db")
    officials = Officials.from_settings(config.scheduler, db, outbox, clock)
    services = Services(knowledge=None, config=config, extras={"officials": officials})
    conversation = Conversation(services, routers=[officials_feature.router])
    yield conversation, officials
    await outbox.stop()


def said(chat: str, text: str | None = None, **kw) -> Incoming:
    return Incoming("telegram", chat, chat, display_name="Cán bộ", text=text, **kw)


async def talk(conversation, incoming) -> str:
    return "\n".join(reply.text for reply in await conversation.handle(incoming))


async def test_dangky_without_a_code_shows_the_usage_and_offers_the_phone_button(bot):
    conversation, _ = bot
    replies = await conversation.handle(said("u1", "/dangky"))
    assert replies[0].text.startswith("Cú pháp: /dangky MÃ_TỔ")
    assert replies[0].request_phone


async def test_dangky_with_a_code_joins_the_group_and_lists_its_tasks(bot):
    conversation, _ = bot
    assert "Đã tham gia Tổ công tác phường Ba Đình" in await talk(
        conversation, said("u1", "/dangky badinh06")
    )
    assert "đã ở trong" in await talk(conversation, said("u1", "/dangky BADINH06"))
    tasks = await talk(conversation, said("u1", "/nhiemvu"))
    assert "Làm sạch dữ liệu dân cư — hạn 17:00 ngày 15/08/2025" in tasks


async def test_an_unknown_code_is_explained(bot):
    conversation, _ = bot
    assert "Không có tổ công tác nào có mã SAIMA" in await talk(
        conversation, said("u1", "/dangky saima")
    )


async def test_sharing_a_rostered_phone_number_links_the_chat(bot):
    conversation, _ = bot
    text = await talk(conversation, said("u2", phone="+84 900 000 002"))
    assert "Tổ công tác phường Ba Đình" in text
    unknown = await talk(conversation, said("u3", phone="0988888888"))
    assert "chưa có trong danh sách" in unknown


async def test_roi_stops_reminders(bot):
    conversation, _ = bot
    await conversation.handle(said("u1", "/dangky BADINH06"))
    assert "Đã dừng" in await talk(conversation, said("u1", "/roi"))
    assert "chưa tham gia" in await talk(conversation, said("u1", "/nhiemvu"))


async def test_reminder_buttons_mark_done_and_snooze(bot):
    conversation, officials = bot
    await conversation.handle(said("an", phone="0900000002"))
    occ = officials.service.planner.open_occurrences(officials.now())[0]
    snoozed = await talk(conversation, said("an", button=f"nv:snooze:{occ.id}"))
    assert snoozed == "⏰ Sẽ nhắc lại lúc 11:00 ngày 10/08/2025."
    done = await talk(conversation, said("an", button=f"nv:done:{occ.id}"))
    assert done.startswith("✅ Đã ghi nhận hoàn thành: Làm sạch dữ liệu dân cư")
    assert "không còn nhiệm vụ" in await talk(conversation, said("an", "/nhiemvu"))


async def test_tiendo_shows_leaders_per_group_completion(bot):
    conversation, officials = bot
    for chat, phone in [("truong", "0900000001"), ("an", "0900000002"), ("binh", "0900000003")]:
        await conversation.handle(said(chat, phone=phone))
    occ = officials.service.planner.open_occurrences(officials.now())[0]
    await conversation.handle(said("an", button=f"nv:done:{occ.id}"))
    report = await talk(conversation, said("truong", "/tiendo"))
    assert "Tổ công tác phường Ba Đình: 1/3 đã hoàn thành" in report
    assert "dành cho tổ trưởng" in await talk(conversation, said("binh", "/tiendo"))


async def test_admin_creates_a_task_from_chat(bot):
    conversation, officials = bot
    await conversation.handle(said("cuong", phone="0900000004"))
    refused = await talk(conversation, said("cuong", "/taonhiemvu tct-tdp-1 20/08/2025 Việc"))
    assert "chỉ dành cho quản trị viên" in refused
    assert (await talk(conversation, said("admin", "/taonhiemvu"))).startswith("Cú pháp:")
    created = await talk(
        conversation,
        said("admin", "/taonhiemvu tct-tdp-1 20/08/2025 16:30 Kiểm tra VNeID | Công văn 12/CV"),
    )
    assert "Đã tạo nhiệm vụ “Kiểm tra VNeID”, hạn 16:30 ngày 20/08/2025" in created
    assert "Kiểm tra VNeID — hạn 16:30 ngày 20/08/2025" in await talk(
        conversation, said("cuong", "/nhiemvu")
    )
    assert officials.reload() == []  # a file reload keeps tasks created in chat
    assert "Kiểm tra VNeID" in await talk(conversation, said("cuong", "/nhiemvu"))


async def test_an_admin_names_a_group_by_its_join_code_in_any_case(bot):
    conversation, _ = bot
    await conversation.handle(said("an", "/dangky BADINH06"))
    created = await talk(conversation, said("admin", "/taonhiemvu badinh06 20/08/2025 Họp tổ"))
    assert "Đã tạo nhiệm vụ “Họp tổ”, hạn 17:00 ngày 20/08/2025, giao cho tct-ba-dinh" in created
    assert "Họp tổ — hạn 17:00 ngày 20/08/2025" in await talk(conversation, said("an", "/nhiemvu"))


async def test_a_task_due_in_the_past_is_refused(bot):
    conversation, officials = bot
    tasks_before = officials.db.execute("SELECT COUNT(*) FROM tasks").fetchone()
    refused = await talk(conversation, said("admin", "/taonhiemvu tct-hn 10/08/2025 08:00 Muộn"))
    assert refused.startswith("Hạn 08:00 ngày 10/08/2025 đã qua: nhiệm vụ mới cần hạn sau")
    assert officials.db.execute("SELECT COUNT(*) FROM tasks").fetchone() == tasks_before


async def test_an_unknown_target_is_named(bot):
    conversation, _ = bot
    refused = await talk(conversation, said("admin", "/taonhiemvu SAIMA 20/08/2025 Việc"))
    assert refused.startswith("Không có tổ, đơn vị hay mã tham gia nào là SAIMA.")


@pytest.mark.parametrize("text", ["/dangky BADINH06", "/roi", "/nhiemvu", "/tiendo",
                                  "/taonhiemvu tct-hn 20/08/2025 Việc"])
async def test_with_reminders_switched_off_each_command_says_so(make_config, text):
    conversation = Conversation(Services(knowledge=None, config=make_config()),
                                routers=[officials_feature.router])
    assert await talk(conversation, said("admin", text)) == officials_feature.NOT_ENABLED
    pressed = await talk(conversation, said("admin", button="nv:done:1"))
    assert pressed == officials_feature.NOT_ENABLED


async def test_with_reminders_switched_off_a_shared_phone_gets_the_conversations_answer(
    make_config,
):
    conversation = Conversation(Services(knowledge=None, config=make_config()),
                                routers=[officials_feature.router])
    reply = await talk(conversation, said("an", phone="0900000002"))
    assert "không cần số điện thoại" in reply
