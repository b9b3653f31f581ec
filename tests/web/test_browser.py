"""An admin in a real browser (Debian's chromium driven by selenium) against the real
`troly06 run`: logs in, opens every page from the menu, tries a question, on a phone-sized
screen too. Without chromium and chromium-driver installed these specs skip, saying so;
CI installs both (.ci/run). A failing step leaves a screenshot in the test's folder."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from handlers.store import Storage
from tests.fakes.local_server import LOOPBACK, free_port
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.web.conftest import PASSWORDS, write_roster

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="cần trình duyệt: apt-get install chromium chromium-driver (CI cài sẵn qua .ci/run)",
)
TROLY06 = Path(sys.executable).with_name("troly06")
MISSED = "xin giấy xác nhận độc thân online ở đâu vậy"
EDITED_VARIANT = "xin số trực ban của công an phường"
MENU = {"Tổng quan": "Tổng quan", "Chưa trả lời": "Câu hỏi chưa trả lời",
        "Thử hỏi": "Thử hỏi", "Kho kiến thức": "Kho kiến thức", "Thông báo": "Thông báo",
        "Nhắc việc": "Nhắc việc",
        "Nhật ký": "Nhật ký thao tác"}  # link → page heading
PHONE = (390, 844)


@pytest.fixture
def console_url(tmp_path: Path, admin_lines: list[str], faq_dir: Path) -> Iterator[str]:
    """`troly06 run` as an operator starts it, with the console on and no chat channel,
    serving a copy of the FAQ; a citizen's question it could not answer is on record."""
    storage = Storage.open(tmp_path / "troly06.db")
    storage.record_question("telegram", "9", MISSED, MISSED, "fallback", None, 20.0)
    with troly06_run(tmp_path, admin_lines, faq_dir) as url:
        yield url


@contextlib.contextmanager
def troly06_run(
    folder: Path, admin_lines: list[str], faq_dir: Path, **sections: dict[str, object]
) -> Iterator[str]:
    """The bot's process with the console on (and `sections` of configuration added);
    yields the console's address, stops the process at the end."""
    port = free_port()
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump({
        "storage": {"path": str(folder / "troly06.db")},
        "knowledge": {"faq_dir": str(faq_dir)},
        "console": {"enabled": False},
        "scheduler": {"files": [str(write_roster(folder))]},
        "web": {"enabled": True, "port": port, "admins": admin_lines},
        **sections,
    }, allow_unicode=True), encoding="utf-8")  # fmt: skip
    with (folder / "troly06.log").open("wb") as log:
        bot = subprocess.Popen([str(TROLY06), "run", "--config", str(config)],
                               stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        _wait_for_port(port, bot)
        yield f"http://{LOOPBACK}:{port}"
    finally:
        bot.terminate()
        bot.wait(timeout=20)


def _wait_for_port(port: int, bot: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert bot.poll() is None, "troly06 run exited (see troly06.log in the test folder)"
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), 1):
            return
        time.sleep(0.2)
    raise AssertionError(f"the console did not listen on port {port}")


@pytest.fixture
def driver(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--lang=vi"):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(DRIVER), options=options)
    browser.implicitly_wait(15)
    failed_before = request.session.testsfailed
    yield browser
    if request.session.testsfailed > failed_before:
        browser.save_screenshot(str(tmp_path / "that-bai.png"))
    browser.quit()


def log_in(driver, url: str, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(url + "/")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORDS[name])
    driver.find_element(By.ID, "login").click()


def heading(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "h1").text


def shows(driver, title: str, timeout: float = 20) -> bool:
    """Whether the page heading becomes `title`: a click returns before the next page has
    replaced the old one, whose heading would otherwise be read."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(driver, timeout, ignored_exceptions=[StaleElementReferenceException]
                      ).until(lambda d: heading(d) == title)
    except TimeoutException:
        return False
    return True


def test_an_admin_logs_in_and_opens_every_page_from_the_menu(driver, console_url, tmp_path):
    from selenium.webdriver.common.by import By

    driver.get(console_url + "/kien-thuc")
    assert shows(driver, "Đăng nhập"), "no session: the login form"
    log_in(driver, console_url, "lan")
    assert shows(driver, "Tổng quan")
    assert len(driver.find_elements(By.CSS_SELECTOR, "figure.chart svg")) == 2
    for link, title in MENU.items():
        driver.find_element(By.LINK_TEXT, link).click()
        assert shows(driver, title), f"{link}: {heading(driver)}"
    driver.save_screenshot(str(tmp_path / "nhat-ky.png"))
    assert "đăng nhập" in driver.find_element(By.ID, "audit").text


def test_an_admin_tries_a_question_and_sees_the_candidates(driver, console_url):
    from selenium.webdriver.common.by import By

    log_in(driver, console_url, "minh")
    driver.find_element(By.LINK_TEXT, "Thử hỏi").click()
    assert shows(driver, "Thử hỏi")
    driver.find_element(By.ID, "question").send_keys("<b>mất thẻ căn cước</b> làm lại thế nào")
    driver.find_element(By.ID, "ask").click()
    assert driver.find_element(By.ID, "outcome").text in ("Trả lời được", "Gợi ý")
    assert len(driver.find_elements(By.CSS_SELECTOR, "#candidates tbody tr")) >= 1
    assert driver.find_elements(By.CSS_SELECTOR, "#result b") == [], "typed HTML stays text"


def test_every_page_fits_a_phone_screen(driver, console_url, tmp_path):
    from selenium.webdriver.common.by import By

    driver.set_window_size(*PHONE)
    log_in(driver, console_url, "lan")
    for link, title in MENU.items():
        driver.find_element(By.LINK_TEXT, link).click()
        assert shows(driver, title)
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{link}: the page is {overflow}px wider than the phone"
    driver.find_element(By.LINK_TEXT, "Tổng quan").click()
    assert shows(driver, "Tổng quan")
    driver.save_screenshot(str(tmp_path / "dien-thoai.png"))


def test_logging_out_ends_the_session(driver, console_url):
    from selenium.webdriver.common.by import By

    log_in(driver, console_url, "lan")
    assert shows(driver, "Tổng quan")
    driver.find_element(By.CSS_SELECTOR, ".logout button").click()
    assert shows(driver, "Đăng nhập")
    driver.get(console_url + "/nhat-ky")
    assert shows(driver, "Đăng nhập")


def test_an_admin_attaches_a_missed_question_to_its_entry(driver, console_url, faq_dir):
    from selenium.webdriver.common.by import By

    log_in(driver, console_url, "lan")
    assert shows(driver, "Tổng quan")
    driver.find_element(By.LINK_TEXT, "Chưa trả lời").click()
    assert shows(driver, "Câu hỏi chưa trả lời")
    group = driver.find_element(By.ID, "nhom-1")
    assert MISSED in group.text
    entry_id = group.find_element(By.CSS_SELECTOR, "input[name=entry]:checked").get_attribute(
        "value")
    group.find_element(By.CSS_SELECTOR, "button.attach").click()
    assert f"Đã thêm vào mục '{entry_id}'" in driver.find_element(By.ID, "message").text
    written = "".join(p.read_text(encoding="utf-8") for p in faq_dir.glob("*.yaml"))
    assert MISSED in written
    driver.find_element(By.LINK_TEXT, "Nhật ký").click()
    assert f"gắn câu hỏi vào mục {entry_id}" in driver.find_element(By.ID, "audit").text


def test_an_admin_edits_an_entry_sees_an_error_then_saves_and_it_is_served(
    driver, console_url, faq_dir
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    entry_file = faq_dir / "ho-tro.yaml"
    before = entry_file.read_bytes()
    log_in(driver, console_url, "lan")
    assert shows(driver, "Tổng quan")
    driver.find_element(By.LINK_TEXT, "Kho kiến thức").click()
    assert shows(driver, "Kho kiến thức")
    driver.find_element(By.NAME, "q").send_keys("lien-he-cong-an-xa")
    driver.find_element(By.CSS_SELECTOR, ".search button").click()
    # the full list links the entry too: wait for the results page before clicking
    WebDriverWait(driver, 20).until(lambda d: "q=lien-he-cong-an-xa" in d.current_url)
    driver.find_element(By.LINK_TEXT, "lien-he-cong-an-xa").click()
    assert shows(driver, "Mục lien-he-cong-an-xa")
    review_by = driver.find_element(By.ID, "review_by")
    review_by.clear()
    review_by.send_keys("2026-13-45")
    driver.find_element(By.ID, "save").click()
    errors = driver.find_element(By.ID, "errors").text
    assert "ho-tro.yaml:" in errors and "'2026-13-45' phải là ngày" in errors
    assert entry_file.read_bytes() == before, "nothing written"
    review_by = driver.find_element(By.ID, "review_by")
    review_by.clear()
    review_by.send_keys("2027-06-30")
    driver.execute_script("arguments[0].value += arguments[1]",
                          driver.find_element(By.ID, "variants"), "\n" + EDITED_VARIANT)
    driver.find_element(By.ID, "save").click()
    assert "Đã lưu" in driver.find_element(By.ID, "message").text
    assert EDITED_VARIANT in entry_file.read_text(encoding="utf-8")
    driver.find_element(By.LINK_TEXT, "Thử hỏi").click()
    assert shows(driver, "Thử hỏi")
    driver.find_element(By.ID, "question").send_keys(EDITED_VARIANT)
    driver.find_element(By.ID, "ask").click()
    assert driver.find_element(By.ID, "outcome").text == "Trả lời được"
    assert "lien-he-cong-an-xa" in driver.find_element(By.ID, "result").text


OPTED_IN = (801, 802, 803)  # citizens' Telegram chats
NOTICE = "Từ 01/12, Công an phường tiếp nhận hồ sơ căn cước cả sáng thứ Bảy."


@dataclass
class ThreadedTelegram:
    """The fake Bot API served from its own event loop in a thread, beside selenium's
    blocking calls; `call` runs one of its methods on that loop."""

    server: FakeTelegram
    loop: asyncio.AbstractEventLoop

    def call(self, method: Callable[..., object], *args: object, **kwargs: object) -> object:
        async def on_loop() -> object:
            return method(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(on_loop(), self.loop).result(10)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not self.call(predicate):
            assert time.monotonic() < deadline, "timed out waiting for the bot"
            time.sleep(0.1)


@pytest.fixture
def telegram() -> Iterator[ThreadedTelegram]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-telegram", daemon=True)
    thread.start()
    server = FakeTelegram()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
    try:
        yield ThreadedTelegram(server, loop)
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def test_an_admin_sends_a_broadcast_and_watches_it_finish(
    driver, telegram: ThreadedTelegram, tmp_path, admin_lines, faq_dir
):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    api = telegram.server
    bot_api = {"token": TOKEN, "base_url": api.base_url, "poll_timeout": 1}
    with troly06_run(tmp_path, admin_lines, faq_dir, telegram=bot_api) as url:
        for chat in OPTED_IN:
            telegram.call(api.send_text, chat, "/nhanthongbao")
        telegram.wait_for(lambda: all(api.sent("sendMessage", chat) for chat in OPTED_IN))
        telegram.call(api.fail, "sendMessage", 403, "Forbidden: bot was blocked by the user")
        telegram.call(api.delay, "sendMessage", 2.0, times=2)  # slow enough to watch
        log_in(driver, url, "lan")
        assert shows(driver, "Tổng quan")
        driver.find_element(By.LINK_TEXT, "Thông báo").click()
        assert shows(driver, "Thông báo")
        driver.find_element(By.ID, "text").send_keys(NOTICE)
        driver.find_element(By.ID, "draft").click()
        assert shows(driver, "Thông báo #1")
        assert "chưa gửi" in driver.find_element(By.ID, "progress").text
        assert NOTICE in driver.find_element(By.ID, "preview").text
        send = driver.find_element(By.ID, "send")
        assert send.text == f"Gửi {len(OPTED_IN)} người"
        send.click()
        refreshing = [StaleElementReferenceException]  # the page reloads itself while sending
        WebDriverWait(driver, 30, ignored_exceptions=refreshing).until(
            lambda d: "đang gửi" in d.find_element(By.ID, "progress").text)
        WebDriverWait(driver, 60, ignored_exceptions=refreshing).until(
            lambda d: "đã gửi xong" in d.find_element(By.ID, "progress").text)
        final = driver.find_element(By.ID, "progress").text
    assert f"{len(OPTED_IN)} người nhận" in final
    assert "2 đã gửi" in final and "1 đã chặn bot" in final
    received = [chat for chat in OPTED_IN
                if any(NOTICE in m.get("text", "") for m in api.sent("sendMessage", chat))]
    assert len(received) == len(OPTED_IN), "two arrived; the blocked one was tried once"
