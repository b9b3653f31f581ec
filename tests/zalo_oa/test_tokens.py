"""Access tokens: refreshed before a known expiry and whenever Zalo rejects one (-216
invalid, -220 expired), a pasted token used without an invented lifetime, the single-use
refresh token durable in SQLite before the new access token is used, one refresh for many
concurrent senders, and what a crash between Zalo's rotation and our write leaves behind."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.outbox import TemporaryFailure
from foundations.messages import Reply
from tests.fakes.clock import ManualClock
from tests.fakes.zalo_oa_api import APP_ID, FakeZaloOA
from tests.zalo_oa.conftest import MARGIN

USER = "oa-user-7"


def stored(tmp_path: Path) -> tuple[str, str]:
    """The token pair as another process would read it from the database file."""
    with sqlite3.connect(tmp_path / "t.db") as conn:
        return conn.execute("SELECT access_token, refresh_token FROM zalo_oa_tokens").fetchone()


@pytest.mark.parametrize("rejection", [-216, -220])
async def test_a_rejected_token_is_refreshed_persisted_and_the_message_resent(
    make_sender, zalo_oa: FakeZaloOA, tmp_path: Path, clock: ManualClock, rejection: int
) -> None:
    sender = make_sender()
    await clock.advance(3600)  # the pasted token was older than anyone knew
    zalo_oa.stale_token_error = rejection
    zalo_oa.expire_access_token()
    await sender.send(USER, Reply("Xin chào"))
    assert [(s.access_token, s.error) for s in zalo_oa.sends] == [
        ("acc-0", rejection), ("acc-1", 0)
    ]
    assert zalo_oa.refreshes == [
        {"refresh_token": "ref-0", "app_id": APP_ID, "grant_type": "refresh_token"}
    ]
    assert stored(tmp_path) == ("acc-1", "ref-1")


async def test_the_new_refresh_token_is_on_disk_before_the_new_access_token_is_used(
    make_sender, zalo_oa: FakeZaloOA, tmp_path: Path
) -> None:
    on_disk_at_first_use: list[tuple[str, str]] = []
    zalo_oa.on_send = lambda send: (
        on_disk_at_first_use.append(stored(tmp_path)) if send.access_token == "acc-1" else None
    )
    sender = make_sender()
    zalo_oa.expire_access_token()
    await sender.send(USER, Reply("Xin chào"))
    assert on_disk_at_first_use == [("acc-1", "ref-1")]


async def test_a_pasted_token_of_unknown_age_is_used_while_zalo_accepts_it(
    make_sender, zalo_oa: FakeZaloOA, clock: ManualClock
) -> None:
    sender = make_sender()
    await clock.advance(timedelta(hours=30).total_seconds())  # no 25 h lifetime is invented
    await sender.send(USER, Reply("một"))
    assert [(s.access_token, s.error) for s in zalo_oa.sends] == [("acc-0", 0)]
    assert zalo_oa.refreshes == []


async def test_a_refreshed_token_is_refreshed_again_before_it_expires(
    make_sender, zalo_oa: FakeZaloOA, clock: ManualClock
) -> None:
    sender = make_sender()
    zalo_oa.expire_access_token()
    await sender.send(USER, Reply("một"))  # refreshed: Zalo said it lives 90000 s
    await clock.advance(90000 - MARGIN + 1)
    await sender.send(USER, Reply("hai"))
    assert [s.access_token for s in zalo_oa.sends if s.error == 0] == ["acc-1", "acc-2"]
    assert len(zalo_oa.refreshes) == 2


async def test_concurrent_senders_share_one_refresh(make_sender, zalo_oa: FakeZaloOA) -> None:
    sender = make_sender()
    zalo_oa.expire_access_token()
    await asyncio.gather(*(sender.send(f"user-{n}", Reply("Nhắc việc")) for n in range(6)))
    assert len(zalo_oa.refreshes) == 1
    assert sum(1 for s in zalo_oa.sends if s.error == 0) == 6


async def test_a_restart_uses_the_stored_tokens_not_the_configured_ones(
    make_sender, zalo_oa: FakeZaloOA
) -> None:
    zalo_oa.expire_access_token()
    await make_sender().send(USER, Reply("trước khi khởi động lại"))
    await make_sender().send(USER, Reply("sau khi khởi động lại"))
    assert [s.access_token for s in zalo_oa.sends if s.error == 0] == ["acc-1", "acc-1"]
    assert len(zalo_oa.refreshes) == 1


async def test_a_crash_between_refresh_and_persist_leaves_the_old_pair_and_asks_for_a_new_one(
    make_sender, zalo_oa: FakeZaloOA, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    zalo_oa.hold_refresh = asyncio.Event()
    zalo_oa.expire_access_token()
    sending = asyncio.create_task(make_sender().send(USER, Reply("Xin chào")))
    await zalo_oa.wait_for(lambda: zalo_oa.refreshes)
    sending.cancel()  # the process dies: Zalo rotated the pair, we never saw the answer
    with pytest.raises(asyncio.CancelledError):
        await sending
    assert stored(tmp_path) == ("acc-0", "ref-0")  # the old pair, whole, never half a pair
    assert [s.access_token for s in zalo_oa.sends] == ["acc-0"]
    zalo_oa.hold_refresh.set()

    restarted = make_sender()
    with pytest.raises(TemporaryFailure):  # reminders stay pending instead of being lost
        await restarted.send(USER, Reply("Xin chào"))
    assert "authorise the OA again" in caplog.text
    assert "ref-0" not in caplog.text and "acc-" not in caplog.text

    zalo_oa.refresh_token = "ref-new-consent"  # the admin authorised the OA again
    await make_sender(refresh_token="ref-new-consent").send(USER, Reply("Xin chào"))
    assert zalo_oa.texts(USER) == ["Xin chào"]
    assert stored(tmp_path)[1] == zalo_oa.refresh_token
