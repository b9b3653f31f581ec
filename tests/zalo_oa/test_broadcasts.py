"""Broadcasts on the OA respect its free window: a citizen who opted in and wrote within
48 h gets it; one whose last message is older does not (zalo_oa.send_billed is false) and
is counted apart, with nothing sent to Zalo for them."""

import asyncio
from datetime import UTC, datetime, timedelta

from bot.app import App
from bot.channels.zalo_oa.store import OAStore
from handlers.broadcast_model import Audience
from handlers.broadcast_store import Broadcasts
from tests.fakes.zalo_oa_api import FakeZaloOA
from tests.zalo_oa.conftest import Post

TEXT = "Phường tổ chức cấp căn cước lưu động cho người cao tuổi vào sáng Chủ nhật."
RECENT, SILENT = "oa-dan-moi", "oa-dan-cu"


async def test_only_citizens_within_the_free_48_hours_get_a_broadcast(
    bot: App, post: Post, zalo_oa: FakeZaloOA
):
    assert await post(*zalo_oa.signed(zalo_oa.text_event(RECENT, "/nhanthongbao"))) == 200
    await zalo_oa.wait_texts(RECENT, 1)
    bot.storage.touch_user("zalo_oa", SILENT, SILENT)  # opted in long ago, silent since
    bot.storage.set_opted_in("zalo_oa", SILENT, True)
    last_week = (datetime.now(UTC) - timedelta(days=6)).timestamp()
    OAStore(bot.storage.db, 7200).interacted(SILENT, last_week)
    broadcasts: Broadcasts = bot.services.extras["broadcasts"]
    draft = broadcasts.create(TEXT, Audience.citizens("zalo_oa"), by="test")
    [channel] = broadcasts.preview(draft.id).channels
    assert (channel.recipients, channel.outside_window) == (2, 1)
    broadcasts.confirm(draft.id, by="test")
    for _ in range(250):
        if broadcasts.progress(draft.id).finished:
            break
        await asyncio.sleep(0.02)
    progress = broadcasts.progress(draft.id)
    assert progress.counts == {"sent": 1, "outside_window": 1}
    assert "1 ngoài 48 giờ nhắn miễn phí của Zalo OA" in progress.describe()
    assert any(TEXT in text for text in zalo_oa.texts(RECENT))
    assert zalo_oa.texts(SILENT) == [] and not [s for s in zalo_oa.sends if s.user_id == SILENT]
