"""Who may see and change what: sessions, CSRF, roles, login throttling, the audit trail,
and what citizens wrote shown escaped and redacted."""

from __future__ import annotations

import aiohttp
import pytest

from bot.app import App
from bot.web.auth import MAX_FAILURES, Sessions
from bot.web.context import SESSION_COOKIE
from foundations.settings import ConfigError
from handlers.audit import FAILED, REFUSED, AuditLog
from tests.web.conftest import PASSWORDS, Browser

PAGES = ["/", "/?days=30", "/tong-quan.csv", "/thu-hoi", "/kien-thuc", "/nhac-viec",
         "/nhac-viec?to=tct-a", "/nhac-viec/tct-a.csv", "/nhat-ky", "/chua-tra-loi",
         "/thong-bao"]
FORMS = ["/thu-hoi", "/kien-thuc/tai-lai", "/dang-xuat", "/chua-tra-loi", "/thong-bao"]


def actions(app: App, result: str) -> list[tuple[str, str]]:
    return [(e.who, e.action) for e in AuditLog(app.storage.db).latest() if e.result == result]


class TestWithoutASession:
    @pytest.mark.parametrize("path", PAGES)
    async def test_every_page_leads_to_the_login_form(self, browser: Browser, path: str):
        status, html = await browser.get(path)
        assert status == 200 and 'action="/dang-nhap"' in html and "Tổng quan</a>" not in html

    @pytest.mark.parametrize("path", FORMS)
    async def test_every_form_leads_to_the_login_form_and_does_nothing(
        self, browser: Browser, running: App, path: str
    ):
        kb = running.knowledge.kb
        _, html = await browser.post(path, {"question": "căn cước", "csrf": "x"})
        assert 'action="/dang-nhap"' in html
        assert running.knowledge.kb is kb, "nothing reloaded"

    async def test_a_wrong_password_is_refused(self, browser: Browser, running: App):
        status, html = await browser.login("lan", "doan-bua")
        assert status == 401 and "không đúng" in html
        status, html = await browser.get("/")
        assert 'action="/dang-nhap"' in html


class TestTheSessionCookie:
    async def test_is_httponly_strict_and_expires(self, running: App):
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            browser = Browser(http, f"http://127.0.0.1:{running.config.web.port}")
            token = await browser.csrf("/dang-nhap")
            async with http.post(browser.base + "/dang-nhap", allow_redirects=False, data={
                "name": "lan", "password": PASSWORDS["lan"], "csrf": token,
            }) as response:  # fmt: skip
                cookie = response.cookies[SESSION_COOKIE]
        assert cookie["httponly"] and cookie["samesite"] == "Strict"
        assert int(cookie["max-age"]) == running.config.web.session_minutes * 60

    def test_a_session_past_its_lifetime_is_gone(self):
        now = [0.0]
        sessions = Sessions(lifetime=60, clock=lambda: now[0])
        from bot.web.auth import Account

        token = sessions.open(Account("lan", "admin", ""))
        now[0] = 59
        assert sessions.get(token) is not None
        now[0] = 60
        assert sessions.get(token) is None


class TestCsrf:
    async def test_a_wrong_token_is_403_and_changes_nothing(self, browser: Browser, running: App):
        await browser.login("lan")
        kb = running.knowledge.kb
        status, html = await browser.post("/kien-thuc/tai-lai", {"csrf": "gia-mao"})
        assert status == 403 and "không hợp lệ" in html
        assert running.knowledge.kb is kb, "nothing reloaded"
        assert ("lan", "csrf") in actions(running, REFUSED)

    async def test_the_right_token_does_it(self, browser: Browser, running: App):
        await browser.login("lan")
        kb = running.knowledge.kb
        status, html = await browser.post(
            "/kien-thuc/tai-lai", {"csrf": await browser.csrf("/kien-thuc")})
        assert status == 200 and "đã tải lại" in html
        assert running.knowledge.kb is not kb
        assert ("lan", "reload") in [(e.who, e.action) for e in
                                     AuditLog(running.storage.db).latest()]

    async def test_the_login_form_has_its_own_token(self, browser: Browser):
        status, _ = await browser.post("/dang-nhap", {"name": "lan",
                                                      "password": PASSWORDS["lan"], "csrf": "x"})
        assert status == 403


class TestViewers:
    async def test_see_every_page(self, browser: Browser):
        await browser.login("minh")
        for path in PAGES:
            status, html = await browser.get(path)
            assert status == 200 and 'action="/dang-nhap"' not in html, path

    async def test_cannot_reload_and_are_audited(self, browser: Browser, running: App):
        await browser.login("minh")
        _, html = await browser.get("/kien-thuc")
        assert 'id="reload"' not in html, "no button they cannot use"
        kb = running.knowledge.kb
        status, html = await browser.post(
            "/kien-thuc/tai-lai", {"csrf": await browser.csrf("/kien-thuc")})
        assert status == 403 and "chỉ xem" in html
        assert running.knowledge.kb is kb
        assert ("minh", "reload") in actions(running, REFUSED)


class TestBruteForce:
    async def test_after_repeated_failures_even_the_right_password_waits(
        self, browser: Browser, running: App
    ):
        for _ in range(MAX_FAILURES):
            status, _ = await browser.login("lan", "doan-bua")
            assert status == 401
        status, html = await browser.login("lan")
        assert status == 429 and "thử lại sau" in html
        assert actions(running, FAILED).count(("lan", "login")) == MAX_FAILURES
        assert ("lan", "login") in actions(running, REFUSED)

    async def test_one_address_guessing_many_names_is_slowed_too(
        self, browser: Browser, running: App
    ):
        for n in range(MAX_FAILURES):
            await browser.login(f"ten{n}", "doan-bua")
        status, _ = await browser.login("minh")
        assert status == 429


class TestTheAuditPage:
    async def test_lists_logins_failures_and_refusals(self, browser: Browser):
        await browser.login("lan", "sai-mat-khau")
        await browser.login("minh")
        await browser.post("/kien-thuc/tai-lai", {"csrf": await browser.csrf("/kien-thuc")})
        _, html = await browser.get("/nhat-ky")
        assert html.count("thất bại") == 1 and "bị từ chối" in html
        assert "127.0.0.1" in html and "tải lại tệp" in html and "đăng nhập" in html


class TestCitizensText:
    CITIZEN = "<script>alert('x')</script> cccd 001095001234 sđt 0912345678 cấp đổi ở đâu"

    async def test_is_shown_escaped_and_redacted_on_every_page(
        self, browser: Browser, running: App
    ):
        running.storage.touch_user("telegram", "7", "7")
        running.storage.record_question("telegram", "7", self.CITIZEN, self.CITIZEN.lower(),
                                        "fallback", None, 10.0)
        await browser.login("lan")
        _, asked = await browser.post(
            "/thu-hoi", {"csrf": await browser.csrf("/thu-hoi"), "question": self.CITIZEN})
        pages = [asked] + [(await browser.get(path))[1] for path in PAGES]
        overview = pages[1]
        assert "&lt;script&gt;alert(" in overview, "the question is on the overview, escaped"
        for html in pages:
            assert "<script>alert" not in html
            assert "001095001234" not in html and "0912345678" not in html


class TestTheLoginsInTheConfig:
    def test_a_line_not_made_by_web_passwd_is_named_without_showing_it(self, make_config):
        with pytest.raises(ConfigError) as error:
            make_config(web__admins=["lan:boss:scrypt$bi-mat"])
        message = str(error.value)
        assert "web.admins" in message and "troly06 web passwd" in message
        assert "bi-mat" not in message and len(message.splitlines()) == 1
