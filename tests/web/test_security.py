"""Who may see and change what: sessions, CSRF, roles, login throttling, the audit trail,
and what citizens wrote shown escaped and redacted."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from http.cookies import Morsel

import aiohttp
import pytest
import sqlite_utils

from bot.app import App
from bot.web.auth import MAX_FAILURES, Sessions
from bot.web.context import SESSION_COOKIE
from bot.web.pages import LOGIN_COOKIE
from foundations.settings import Config, ConfigError
from handlers.audit import FAILED, REFUSED, AuditLog
from tests.web.conftest import CSRF, PASSWORDS, Browser

PAGES = ["/", "/?days=30", "/tong-quan.csv", "/thu-hoi", "/kien-thuc", "/nhac-viec",
         "/nhac-viec?to=tct-a", "/nhac-viec/tct-a.csv", "/nhat-ky", "/chua-tra-loi",
         "/thong-bao", "/kien-thuc/muc/lien-he-cong-an-xa"]
FORMS = ["/thu-hoi", "/kien-thuc/tai-lai", "/dang-xuat", "/chua-tra-loi", "/thong-bao",
         "/kien-thuc/muc/lien-he-cong-an-xa"]


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
        sessions = Sessions(sqlite_utils.Database(memory=True), 60, clock=lambda: now[0])
        from bot.web.auth import Account

        token = sessions.open(Account("lan", "admin", ""))
        now[0] = 59
        assert sessions.get(token) is not None
        now[0] = 60
        assert sessions.get(token) is None


class TestSessionsAcrossRestarts:
    async def test_a_login_survives_a_restart_of_the_bot(
        self, browser: Browser, running: App, console_config: Config
    ):
        await browser.login("lan")
        async with restarted(running, console_config):
            status, html = await browser.get("/nhat-ky")
            assert status == 200 and "Nhật ký thao tác" in html

    async def test_the_database_holds_no_usable_session_token(
        self, browser: Browser, running: App
    ):
        await browser.login("lan")
        token = next(c.value for c in browser.http.cookie_jar if c.key == SESSION_COOKIE)
        rows = running.storage.db.execute("SELECT * FROM web_sessions").fetchall()
        assert len(rows) == 1 and token not in str(rows)

    @pytest.mark.parametrize("admins", [["minh"], ["minh", "lan:viewer"]])
    async def test_an_admin_removed_or_demoted_in_the_config_is_logged_out(
        self, browser: Browser, running: App, make_config: Callable[..., Config],
        console_config: Config, admin_lines: list[str], admins: list[str],
    ):  # fmt: skip
        await browser.login("lan")
        lines = [line for line in admin_lines if line.startswith("minh:")]
        if "lan:viewer" in admins:
            lan = next(line for line in admin_lines if line.startswith("lan:"))
            lines.append(lan.replace("lan:admin:", "lan:viewer:"))
        config = make_config(**{**flat(console_config), "web__admins": lines})
        async with restarted(running, config):
            _, html = await browser.get("/nhat-ky")
            assert 'action="/dang-nhap"' in html


class TestSecureCookies:
    async def test_without_a_trusted_proxy_forwarded_headers_are_not_believed(
        self, browser: Browser, running: App
    ):
        cookie = await session_cookie(browser, {"X-Forwarded-Proto": "https",
                                                "X-Forwarded-For": "10.6.0.23"})
        assert not cookie["secure"], "anyone can write X-Forwarded-Proto"
        assert AuditLog(running.storage.db).latest()[0].origin == "127.0.0.1"

    @pytest.mark.parametrize("setting", [{"web__secure_cookie": True},
                                         {"web__trusted_proxies": ["127.0.0.1"]}])
    async def test_behind_https_the_cookies_are_secure(
        self, browser: Browser, running: App, make_config: Callable[..., Config],
        console_config: Config, setting: dict[str, object],
    ):  # fmt: skip
        async with restarted(running, make_config(**{**flat(console_config), **setting})):
            cookie = await session_cookie(browser, {"X-Forwarded-Proto": "https"})
        assert cookie["secure"]

    async def test_a_trusted_proxy_gives_the_admins_address_for_the_audit_log(
        self, browser: Browser, running: App, make_config: Callable[..., Config],
        console_config: Config,
    ):  # fmt: skip
        config = make_config(**{**flat(console_config), "web__trusted_proxies": ["127.0.0.1"]})
        async with restarted(running, config) as again:
            await session_cookie(browser, {"X-Forwarded-For": "10.6.0.23"})
            line = AuditLog(again.storage.db).latest()[0]
        assert (line.action, line.origin) == ("login", "10.6.0.23")


def flat(config: Config) -> dict[str, object]:
    """The console's settings as `make_config` overrides, to change one of them."""
    return {"web__enabled": True, "web__port": config.web.port,
            "web__admins": list(config.web.admins), "console__enabled": False,
            "scheduler__files": [str(path) for path in config.scheduler.files]}  # fmt: skip


@contextlib.asynccontextmanager
async def restarted(running: App, config: Config) -> AsyncIterator[App]:
    """The bot stopped and started again on `config` (same database and FAQ), as an
    operator restarting `troly06 run` would."""
    await running.stop()
    again = App(config, running.knowledge)
    await again.start()
    try:
        yield again
    finally:
        await again.stop()


async def session_cookie(browser: Browser, headers: dict[str, str]) -> Morsel[str]:
    """The session cookie a login gets, every request carrying `headers` as a proxy's would;
    the login form's cookie must carry the same flags. Cookies are read off the responses
    (a cookie jar would rightly keep a Secure cookie away from plain HTTP)."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(),
                                     headers=headers) as http:  # fmt: skip
        async with http.get(browser.base + "/dang-nhap") as response:
            form_cookie = response.cookies[LOGIN_COOKIE]
            token = CSRF.search(await response.text()).group(1)
        async with http.post(browser.base + "/dang-nhap", allow_redirects=False,
                             headers={"Cookie": f"{LOGIN_COOKIE}={form_cookie.value}"},
                             data={"name": "lan", "password": PASSWORDS["lan"], "csrf": token},
                             ) as response:  # fmt: skip
            cookie = response.cookies[SESSION_COOKIE]
    assert form_cookie["secure"] == cookie["secure"]
    return cookie

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
        _, asked = await browser.ask(self.CITIZEN)
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
