"""A broadcast starts as a draft: its preview says how many people get it on each channel
and shows the text as each channel will render it; confirming fixes the recipients."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.broadcast import broadcasts_for
from bot.channels.zalo_oa.store import OAStore
from foundations.settings import Config
from handlers.broadcast_model import Audience, BroadcastError
from handlers.broadcast_store import Broadcasts
from handlers.store import Storage
from tests.broadcast.conftest import opt_in, working_groups
from tests.scheduler.conftest import CHATS

TEXT = "Từ 01/12, cấp đổi thẻ căn cước tại <Công an phường> & bộ phận một cửa."


def counts(broadcasts: Broadcasts, broadcast_id: int) -> dict[str, int]:
    return {c.channel: c.recipients for c in broadcasts.preview(broadcast_id).channels}


def test_only_opted_in_active_citizens_of_enabled_channels_are_counted(
    broadcasts: Broadcasts, storage: Storage
):
    opt_in(storage, "telegram", "t1", "t2", "t3", "t-out", "t-blocked")
    opt_in(storage, "zalo_bot", "z1", "z2")
    opt_in(storage, "zalo_oa", "oa1")  # Zalo OA is not configured here
    storage.touch_user("telegram", "never", "never")
    storage.set_opted_in("telegram", "t-out", False)
    storage.set_active("telegram", "t-blocked", False)
    draft = broadcasts.create(TEXT, Audience.citizens(), by="test")
    assert counts(broadcasts, draft.id) == {"telegram": 3, "zalo_bot": 2}
    assert "5 người nhận" in broadcasts.preview(draft.id).describe()


def test_a_broadcast_may_go_to_the_citizens_of_one_channel(
    broadcasts: Broadcasts, storage: Storage
):
    opt_in(storage, "telegram", "t1")
    opt_in(storage, "zalo_bot", "z1", "z2")
    draft = broadcasts.create(TEXT, Audience.citizens("zalo_bot"), by="test")
    assert counts(broadcasts, draft.id) == {"zalo_bot": 2}


def test_the_preview_shows_each_channels_rendering(broadcasts: Broadcasts):
    draft = broadcasts.create(TEXT, Audience.citizens(), by="test")
    texts = {c.channel: c.messages for c in broadcasts.preview(draft.id).channels}
    [telegram] = texts["telegram"]
    assert telegram.startswith("<b>📢 Thông báo</b>")
    assert "&lt;Công an phường&gt; &amp; bộ phận" in telegram
    [zalo] = texts["zalo_bot"]
    assert zalo.startswith("📢 Thông báo\n") and "<Công an phường> & bộ phận" in zalo
    assert all("/huythongbao" in text for text in (telegram, zalo))


def test_zalo_oa_users_beyond_the_free_48_hours_are_counted_as_not_reached(
    make_config: Callable[..., Config],
):
    config = make_config(zalo_oa__app_id="oa-app", scheduler__enabled=False)
    storage = Storage.open(config.storage.path)
    broadcasts = broadcasts_for(storage, config)
    oa = OAStore(storage.db, 7200)
    opt_in(storage, "zalo_oa", "wrote-today", "wrote-last-week")
    now = datetime.now(UTC)
    oa.interacted("wrote-today", (now - timedelta(hours=3)).timestamp())
    oa.interacted("wrote-last-week", (now - timedelta(days=6)).timestamp())
    preview = broadcasts.preview(broadcasts.create(TEXT, Audience.citizens(), by="test").id)
    [channel] = preview.channels
    assert (channel.recipients, channel.outside_window) == (2, 1)
    assert "1 người ngoài 48 giờ nhắn miễn phí" in preview.describe()


def test_working_groups_by_unit_code_or_join_code_count_each_official_once(
    broadcasts: Broadcasts, storage: Storage, tmp_path
):
    working_groups(storage.db, tmp_path, CHATS)
    groups = broadcasts.resolve_groups(["ba-dinh"])  # the ward and the group below it
    assert groups == ("tct-ba-dinh", "tct-tdp-1")
    draft = broadcasts.create(TEXT, Audience.of_groups(groups), by="test")
    assert counts(broadcasts, draft.id) == {"telegram": 4, "zalo_bot": 0}
    assert broadcasts.resolve_groups(["badinh06"]) == ("tct-ba-dinh",)
    with pytest.raises(BroadcastError, match="'khong-co'"):
        broadcasts.resolve_groups(["khong-co"])


def test_confirming_fixes_the_recipients(broadcasts: Broadcasts, storage: Storage):
    opt_in(storage, "telegram", "t1", "t2")
    draft = broadcasts.create(TEXT, Audience.citizens(), by="test")
    progress = broadcasts.confirm(draft.id, by="test")
    assert progress.counts == {"pending": 2}
    assert "đang gửi" in progress.describe() and "2 chờ gửi" in progress.describe()
    opt_in(storage, "telegram", "late")
    assert counts(broadcasts, draft.id)["telegram"] == 2


@pytest.mark.parametrize(("text", "culprit"), [
    ("   ", "đang trống"),
    ("Thông báo dài. " * 200, "mỗi người nhận đúng một tin"),
])  # fmt: skip
def test_an_empty_or_over_long_text_is_refused_in_one_line(
    broadcasts: Broadcasts, text: str, culprit: str
):
    with pytest.raises(BroadcastError, match=culprit) as refused:
        broadcasts.create(text, Audience.citizens(), by="test")
    assert "\n" not in str(refused.value)


def test_only_a_draft_with_recipients_can_be_confirmed(broadcasts: Broadcasts, storage: Storage):
    empty = broadcasts.create(TEXT, Audience.citizens(), by="test")
    with pytest.raises(BroadcastError, match="không có người nhận nào"):
        broadcasts.confirm(empty.id, by="test")
    opt_in(storage, "telegram", "t1")
    broadcasts.confirm(empty.id, by="test")
    with pytest.raises(BroadcastError, match="chỉ gửi được bản nháp"):
        broadcasts.confirm(empty.id, by="test")
    with pytest.raises(BroadcastError, match="Không có thông báo số 99"):
        broadcasts.preview(99)


def test_cancelling_a_broadcast_being_sent_stops_what_is_still_pending(
    broadcasts: Broadcasts, storage: Storage
):
    opt_in(storage, "telegram", "t1", "t2")
    draft = broadcasts.create(TEXT, Audience.citizens(), by="test")
    broadcasts.confirm(draft.id, by="test")
    progress = broadcasts.cancel(draft.id, by="test")
    assert progress.counts == {"stopped": 2} and progress.finished
    with pytest.raises(BroadcastError, match="không còn gì để hủy"):
        broadcasts.cancel(draft.id, by="test")
