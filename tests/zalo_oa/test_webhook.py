"""OA webhook events: only correctly signed events for our app, at most two hours old and not
from the future, are looked at, each once however often Zalo resends it; text is answered
quoting the user's message, follow greets, unfollow marks the user inactive."""

from __future__ import annotations

import logging
import time

import pytest

from bot.app import App
from tests.fakes.zalo_oa_api import APP_SECRET, FakeZaloOA
from tests.zalo_oa.conftest import Post

CITIZEN = "oa-user-1"


async def test_a_question_is_answered_quoting_its_message_and_a_number_picks_a_choice(
    bot: App, zalo_oa: FakeZaloOA, post: Post
) -> None:
    assert await post(*zalo_oa.signed(zalo_oa.text_event(CITIZEN, "/menu", msg_id="q1"))) == 200
    (menu,) = await zalo_oa.wait_texts(CITIZEN, 1)
    assert "  2. Đăng nhập, mật khẩu và sự cố VNeID" in menu
    assert zalo_oa.sends[0].message["quote_message_id"] == "q1"
    assert zalo_oa.sends[0].access_token == "acc-0"

    assert await post(*zalo_oa.signed(zalo_oa.text_event(CITIZEN, "2", msg_id="q2"))) == 200
    category = (await zalo_oa.wait_texts(CITIZEN, 2))[-1]
    assert category.startswith("Đăng nhập, mật khẩu và sự cố VNeID\n")
    assert zalo_oa.sends[-1].message["quote_message_id"] == "q2"
    assert bot.storage.db["users"].get(("zalo_oa", CITIZEN))["active"] == 1


async def test_wrong_or_missing_signature_is_401_and_nothing_is_processed(
    bot: App, zalo_oa: FakeZaloOA, post: Post
) -> None:
    raw, mac = zalo_oa.signed(zalo_oa.text_event(CITIZEN, "/help"))
    _, forged = zalo_oa.signed(zalo_oa.text_event(CITIZEN, "/help"), secret_key="guessed")
    assert await post(raw) == 401
    assert await post(raw, forged) == 401
    assert await post(raw, "mac=" + "0" * 64) == 401
    assert await post(raw.replace(b"/help", b"/menu"), mac) == 401  # body changed in transit
    assert await post(b"{not json", mac) == 401
    other_app, other_mac = zalo_oa.signed(
        zalo_oa.event("user_send_text", CITIZEN, app_id="999", message={"text": "x",
                                                                        "msg_id": "z"}))
    assert await post(other_app, other_mac) == 401
    assert zalo_oa.sends == []
    assert bot.storage.db["users"].count == 0


async def test_a_signed_event_resent_after_an_outage_is_handled_once_and_acknowledged(
    bot: App, zalo_oa: FakeZaloOA, post: Post, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ninety_minutes_ago = int((time.time() - 90 * 60) * 1000)
    resent = zalo_oa.signed(zalo_oa.text_event(CITIZEN, "/help", msg_id="once",
                                               timestamp_ms=ninety_minutes_ago))
    assert await post(*resent) == 200
    assert await post(*resent) == 200
    assert await post(*zalo_oa.signed(zalo_oa.text_event(CITIZEN, "/menu"))) == 200
    await zalo_oa.wait_texts(CITIZEN, 2)
    assert len(zalo_oa.texts(CITIZEN)) == 2
    assert "duplicate zalo oa event" in caplog.text


async def test_a_resend_arriving_after_a_restart_is_not_handled_again(
    bot: App, zalo_oa: FakeZaloOA, post: Post
) -> None:
    first = zalo_oa.signed(zalo_oa.text_event(CITIZEN, "/help", msg_id="before-restart"))
    assert await post(*first) == 200
    await zalo_oa.wait_texts(CITIZEN, 1)
    await bot.stop()
    restarted = App(bot.config, bot.knowledge)
    await restarted.start()
    try:
        assert await post(*first) == 200  # Zalo did not get our 200 before the restart
        assert await post(*zalo_oa.signed(zalo_oa.text_event(CITIZEN, "/menu"))) == 200
        await zalo_oa.wait_texts(CITIZEN, 2)
        assert "/menu" in zalo_oa.texts(CITIZEN)[0] and len(zalo_oa.texts(CITIZEN)) == 2
    finally:
        await restarted.stop()


async def test_events_too_old_for_a_resend_or_from_the_future_are_rejected(
    bot: App, zalo_oa: FakeZaloOA, post: Post, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    three_hours_ago = int((time.time() - 3 * 3600) * 1000)
    in_an_hour = int((time.time() + 3600) * 1000)
    stale = zalo_oa.text_event(CITIZEN, "/help", timestamp_ms=three_hours_ago)
    assert await post(*zalo_oa.signed(stale)) == 401
    assert "stale timestamp" in caplog.text
    future = zalo_oa.text_event(CITIZEN, "/help", timestamp_ms=in_an_hour)
    assert await post(*zalo_oa.signed(future)) == 401
    assert "timestamp in the future" in caplog.text
    assert zalo_oa.sends == []


async def test_events_signed_with_the_app_secret_are_accepted_and_that_logged_once(
    bot: App, zalo_oa: FakeZaloOA, post: Post, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for text in ("/help", "/menu"):
        event = zalo_oa.text_event(CITIZEN, text)
        assert await post(*zalo_oa.signed(event, secret_key=APP_SECRET)) == 200
    await zalo_oa.wait_texts(CITIZEN, 2)
    assert caplog.text.count("signed with the app secret") == 1
    assert APP_SECRET not in caplog.text


async def test_follow_greets_with_the_menu_and_unfollow_marks_the_user_inactive(
    bot: App, zalo_oa: FakeZaloOA, post: Post
) -> None:
    assert await post(*zalo_oa.signed(zalo_oa.event("follow", CITIZEN))) == 200
    greeting, menu = await zalo_oa.wait_texts(CITIZEN, 2)
    assert greeting.startswith("Xin chào!") and "Gõ một số từ 1 đến" in menu
    assert bot.storage.db["users"].get(("zalo_oa", CITIZEN))["active"] == 1

    assert await post(*zalo_oa.signed(zalo_oa.event("unfollow", CITIZEN))) == 200
    await zalo_oa.wait_for(
        lambda: bot.storage.db["users"].get(("zalo_oa", CITIZEN))["active"] == 0
    )


async def test_other_and_malformed_events_are_acknowledged_and_ignored(
    bot: App, zalo_oa: FakeZaloOA, post: Post, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    image = zalo_oa.event("user_send_image", CITIZEN, message={"msg_id": "img"})
    assert await post(*zalo_oa.signed(image)) == 200
    broken = zalo_oa.event("user_send_text", CITIZEN, message={"msg_id": "no-text"})
    assert await post(*zalo_oa.signed(broken)) == 200
    assert await post(*zalo_oa.signed(zalo_oa.text_event(CITIZEN, "/help"))) == 200
    (reply,) = await zalo_oa.wait_texts(CITIZEN, 1)
    assert "/menu" in reply
    assert "zalo oa event user_send_image ignored" in caplog.text
    assert "malformed zalo oa user_send_text event skipped" in caplog.text


async def test_error_in_an_http_200_answer_is_a_failed_send(
    bot: App, zalo_oa: FakeZaloOA, post: Post
) -> None:
    zalo_oa.unfollowed.add(CITIZEN)
    assert await post(*zalo_oa.signed(zalo_oa.text_event(CITIZEN, "/help"))) == 200
    query = "SELECT active FROM users WHERE channel = 'zalo_oa' AND user_id = ?"
    await zalo_oa.wait_for(lambda: bot.storage.db.execute(query, [CITIZEN]).fetchone() == (0,))
    assert zalo_oa.texts(CITIZEN) == []


async def test_an_event_whose_handling_fails_does_not_stop_the_next_ones(
    bot: App, zalo_oa: FakeZaloOA, post: Post, caplog: pytest.LogCaptureFixture
) -> None:
    bot.storage.db.execute(  # a real SQLite failure, for one user only
        """CREATE TRIGGER disk_trouble BEFORE INSERT ON users WHEN NEW.user_id = 'oa-poison'
           BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"""
    )
    assert await post(*zalo_oa.signed(zalo_oa.text_event("oa-poison", "/help"))) == 200
    assert await post(*zalo_oa.signed(zalo_oa.text_event(CITIZEN, "/help"))) == 200
    (reply,) = await zalo_oa.wait_texts(CITIZEN, 1)
    assert "/menu" in reply
    assert "zalo_oa event could not be handled" in caplog.text
