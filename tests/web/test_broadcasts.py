"""Thông báo in the browser: a thin page over bot.broadcast; drafts, preview, send or
cancel, admins only, audited."""

from __future__ import annotations

from bot.app import App
from handlers.audit import AuditLog
from tests.web.conftest import Browser


async def draft(browser: Browser, text: str, **fields: str) -> tuple[int, str]:
    return await browser.post("/thong-bao", {
        "csrf": await browser.csrf("/thong-bao"), "text": text, **fields})  # fmt: skip


class TestBroadcastsPage:
    async def test_a_draft_shows_its_preview_and_is_not_sent(self, browser: Browser,
                                                              running: App):
        await browser.login("lan")
        status, html = await draft(browser, "Lịch cấp căn cước <b>thứ Bảy</b> này",
                                   audience="citizens")
        assert status == 200 and "Thông báo #1" in html and "bản nháp" in html
        assert "&lt;b&gt;thứ Bảy&lt;/b&gt;" in html and 'id="send"' in html
        assert running.services.extras["broadcasts"].get(1).status == "draft"

    async def test_sending_with_no_channel_on_says_why_and_stays_a_draft(
        self, browser: Browser, running: App
    ):
        await browser.login("lan")
        await draft(browser, "Thông báo thử", audience="citizens")
        status, html = await browser.post("/thong-bao/1/gui",
                                          {"csrf": await browser.csrf("/thong-bao/1")})
        assert status == 400 and "không có người nhận nào" in html
        assert running.services.extras["broadcasts"].get(1).status == "draft"
        assert AuditLog(running.storage.db).latest()[0].result == "failed"

    async def test_a_draft_to_a_working_group_can_be_cancelled(self, browser: Browser,
                                                                running: App):
        await browser.login("lan")
        status, html = await draft(browser, "Họp tổ 8h sáng mai", audience="groups",
                                   groups="PHUONGA06")
        assert status == 200 and "tct-a" in html
        status, html = await browser.post("/thong-bao/1/huy",
                                          {"csrf": await browser.csrf("/thong-bao/1")})
        assert "đã hủy" in html
        assert running.services.extras["broadcasts"].get(1).status == "cancelled"

    async def test_an_unknown_group_is_named_and_nothing_is_drafted(self, browser: Browser,
                                                                    running: App):
        await browser.login("lan")
        status, html = await draft(browser, "Họp tổ", audience="groups", groups="KHONGCO")
        assert status == 400 and "KHONGCO" in html
        assert running.services.extras["broadcasts"].recent() == []

    async def test_a_viewer_can_read_but_not_draft(self, browser: Browser, running: App):
        await browser.login("minh")
        status, html = await browser.get("/thong-bao")
        assert status == 200 and 'id="draft"' not in html
        status, _ = await draft(browser, "Thông báo", audience="citizens")
        assert status == 403
        assert running.services.extras["broadcasts"].recent() == []
        refused = AuditLog(running.storage.db).latest()[0]
        assert (refused.action_label, refused.result) == ("soạn thông báo", "refused")
