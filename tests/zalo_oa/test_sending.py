"""What the OA sender sends: by default nothing outside the free 48 hours since the user's
last interaction (`zalo_oa.send_billed`); replies quote the user's message, only within 48
hours of it, and a reply whose quote Zalo refuses is resent once without the quote."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.zalo_oa.sender import ZaloOASender
from bot.outbox import OutsideWindow, Unconfirmed
from foundations.messages import Reply
from handlers.store import Storage
from tests.fakes.clock import ManualClock
from tests.fakes.zalo_oa_api import INVALID_PARAMETERS, FakeZaloOA
from tests.zalo_oa.conftest import Post

CITIZEN = "oa-user-1"


def quotes(zalo_oa: FakeZaloOA) -> list[tuple[str | None, int]]:
    return [(s.message.get("quote_message_id"), s.error) for s in zalo_oa.sends]


async def test_a_message_more_than_48_hours_after_the_users_last_one_quotes_nothing(
    make_sender: Callable[..., ZaloOASender], zalo_oa: FakeZaloOA, clock: ManualClock
) -> None:
    sender = make_sender()
    sender.user_wrote(CITIZEN, "q1")
    await sender.send(CITIZEN, Reply("trong 48 giờ"))
    await clock.advance(48 * 3600 + 1)
    await sender.send(CITIZEN, Reply("sau 48 giờ"))
    assert quotes(zalo_oa) == [("q1", 0), (None, 0)]


async def test_a_reply_whose_quote_zalo_refuses_is_resent_once_without_it(
    bot: App, zalo_oa: FakeZaloOA, post: Post
) -> None:
    zalo_oa.refused_quotes.add("q-unknown")
    assert await post(*zalo_oa.signed(zalo_oa.text_event(CITIZEN, "/help", "q-unknown"))) == 200
    (reply,) = await zalo_oa.wait_texts(CITIZEN, 1)
    assert "/menu" in reply
    assert quotes(zalo_oa) == [("q-unknown", INVALID_PARAMETERS), (None, 0)]

    assert await post(*zalo_oa.signed(zalo_oa.text_event(CITIZEN, "/menu", "q-next"))) == 200
    await zalo_oa.wait_texts(CITIZEN, 2)
    assert quotes(zalo_oa)[-1] == ("q-next", 0)


async def test_a_refusal_about_the_user_is_not_resent_without_the_quote(
    bot: App, zalo_oa: FakeZaloOA, post: Post
) -> None:
    zalo_oa.outside_window.add(CITIZEN)
    assert await post(*zalo_oa.signed(zalo_oa.text_event(CITIZEN, "/help", "q1"))) == 200
    await zalo_oa.wait_for(lambda: len(zalo_oa.sends) == 1)
    await bot.outbox.join()  # a resend would have been made by now
    assert quotes(zalo_oa) == [("q1", -230)]


async def test_outside_the_free_48_hours_nothing_is_sent_unless_billed_messages_are_allowed(
    make_sender: Callable[..., ZaloOASender], zalo_oa: FakeZaloOA, clock: ManualClock
) -> None:
    free_only = make_sender(send_billed=False)
    free_only.store.interacted(CITIZEN, clock.now().timestamp())
    await free_only.send(CITIZEN, Reply("trong 48 giờ"))
    await clock.advance(48 * 3600 + 1)
    with pytest.raises(OutsideWindow):
        await free_only.send(CITIZEN, Reply("sau 48 giờ"))
    with pytest.raises(OutsideWindow):
        await free_only.send("oa-never-wrote", Reply("chưa từng nhắn"))
    assert zalo_oa.texts(CITIZEN) == ["trong 48 giờ"] and len(zalo_oa.sends) == 1

    await make_sender(send_billed=True).send(CITIZEN, Reply("có tính phí"))
    assert zalo_oa.texts(CITIZEN) == ["trong 48 giờ", "có tính phí"]


async def test_zalos_own_7_day_refusal_is_outside_the_window_not_retried(
    make_sender: Callable[..., ZaloOASender], zalo_oa: FakeZaloOA
) -> None:
    zalo_oa.outside_window.add(CITIZEN)
    with pytest.raises(OutsideWindow):
        await make_sender().send(CITIZEN, Reply("Nhắc việc"))
    assert len(zalo_oa.sends) == 1


async def test_a_follower_who_wrote_before_the_window_was_tracked_is_inside_it(
    make_sender: Callable[..., ZaloOASender], zalo_oa: FakeZaloOA, clock: ManualClock,
    tmp_path: Path,
) -> None:
    Storage.open(tmp_path / "t.db").touch_user("zalo_oa", CITIZEN, CITIZEN)  # an older bot
    await clock.set(datetime.now(UTC) + timedelta(hours=47))
    await make_sender(send_billed=False).send(CITIZEN, Reply("Nhắc việc"))
    assert zalo_oa.texts(CITIZEN) == ["Nhắc việc"]


async def test_a_send_zalo_took_too_long_to_answer_may_have_arrived_and_is_not_resent(
    make_sender: Callable[..., ZaloOASender], zalo_oa: FakeZaloOA
) -> None:
    zalo_oa.answer_delay = 2.0
    with pytest.raises(Unconfirmed):
        await make_sender(timeout=0.2).send(CITIZEN, Reply("Xin chào"))
    assert len(zalo_oa.sends) == 1
