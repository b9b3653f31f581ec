"""Kho kiến thức: an entry edited in the console's form. The edit is checked like
`troly06 kb check` before anything is written; a problem is shown as `file:line` and the
file stays byte for byte; a clean edit keeps the file's comments and other entries, is
served at once and audited. Viewers and stale forms change nothing."""

from __future__ import annotations

import difflib
from html import unescape
from pathlib import Path

import pytest

from bot.app import App
from handlers.audit import AuditLog
from knowledge.review_dates import vietnam_today
from tests.web.conftest import Browser

ENTRY = "lien-he-cong-an-xa"  # ho-tro.yaml; its answer uses {local.…} placeholders
PAGE = f"/kien-thuc/muc/{ENTRY}"
NEW_VARIANT = "xin số trực ban của công an phường"
EDITS_FAQ = True  # its own FAQ copy (tests/web/conftest.py): the spec writes into it


@pytest.fixture
def entry_file(faq_dir: Path) -> Path:
    return faq_dir / "ho-tro.yaml"


def diff(before: list[str], after: list[str]) -> tuple[list[str], list[str]]:
    """The lines taken out and the lines put in, as `diff` shows them."""
    changes = [line for line in difflib.ndiff(before, after) if line[:2] in ("- ", "+ ")]
    return ([line[2:] for line in changes if line[0] == "-"],
            [line[2:] for line in changes if line[0] == "+"])  # fmt: skip


async def submit(browser: Browser, **changes: str) -> tuple[int, str]:
    """The entry's form as the page fills it, with `changes` typed over it."""
    fields = await browser.form(PAGE, "entry")
    return await browser.post(PAGE, {**fields, **changes})


class TestTheEntryForm:
    async def test_shows_the_entry_as_its_file_has_it(self, browser: Browser):
        await browser.login("minh")
        fields = await browser.form(PAGE, "entry")
        assert "{local.police_phone}" in fields["answer"], "placeholders as written"
        assert "sdt cong an xa cho minh xin voi" in fields["variants"].splitlines()
        assert fields["category"] == "ho-tro"
        assert fields["sources"].splitlines()[0].startswith("https://plo.vn/")
        assert 'id="save"' not in (await browser.get(PAGE))[1], "a viewer has no save button"

    async def test_an_unknown_entry_is_not_found(self, browser: Browser):
        await browser.login("lan")
        status, _ = await browser.get("/kien-thuc/muc/khong-co-muc-nay")
        assert status == 404


class TestSavingAnEdit:
    async def test_a_clean_edit_is_written_in_place_served_and_audited(
        self, browser: Browser, running: App, entry_file: Path
    ):
        before = entry_file.read_text(encoding="utf-8").splitlines()
        await browser.login("lan")
        fields = await browser.form(PAGE, "entry")
        status, html = await submit(browser, variants=fields["variants"] + "\n" + NEW_VARIANT,
                                    review_by="2027-06-30")  # fmt: skip
        assert status == 200 and "Đã lưu" in html
        after = entry_file.read_text(encoding="utf-8").splitlines()
        assert diff(before, after) == (["  updated: 2026-11-28"], [
            f"    - {NEW_VARIANT}", f"  updated: {vietnam_today()}", "  review_by: 2027-06-30"])
        assert after[0].startswith("# Hỗ trợ"), "the file's comments stay"
        assert "    Công an {local.police_name}, điện thoại: {local.police_phone}." in after
        assert running.knowledge.match(NEW_VARIANT).entry.id == ENTRY, "served after reload"
        line = AuditLog(running.storage.db).latest()[0]
        assert (line.action, line.result, line.who) == (f"entry-edit {ENTRY}", "ok", "lan")

    @pytest.mark.parametrize(("changes", "problem"), [
        ({"review_by": "2026-13-45"}, "'review_by': '2026-13-45' phải là ngày"),
        ({"answer": ""}, "câu trả lời trống"),
        ({"answer": "Gọi {local.khong_co}."}, "khong_co"),
        ({"variants": "Làm thẻ căn cước ở đâu"}, "trùng với mục 'lam-the-can-cuoc'"),
        ({"sources": ""}, "'sources' cần ít nhất một nguồn"),
    ])  # fmt: skip
    async def test_an_edit_with_a_problem_shows_it_and_writes_nothing(
        self, browser: Browser, running: App, entry_file: Path, changes, problem
    ):
        before = entry_file.read_bytes()
        await browser.login("lan")
        status, html = await submit(browser, **changes)
        assert status == 400 and "Chưa lưu, tệp giữ nguyên" in html
        shown = unescape(html)
        assert f"{entry_file}:" in shown and problem in shown, "file:line: problem as kb check"
        assert entry_file.read_bytes() == before
        assert AuditLog(running.storage.db).latest()[0].result == "failed"


class TestWhoMaySave:
    async def test_a_viewer_changes_nothing(
        self, browser: Browser, running: App, entry_file: Path
    ):
        before = entry_file.read_bytes()
        await browser.login("minh")
        status, _ = await submit(browser, question="Câu hỏi đã bị sửa")
        assert status == 403 and entry_file.read_bytes() == before
        assert AuditLog(running.storage.db).latest()[0].result == "refused"

    async def test_a_form_opened_before_another_save_is_refused(
        self, browser: Browser, entry_file: Path
    ):
        await browser.login("lan")
        stale = await browser.form(PAGE, "entry")
        assert (await submit(browser, keywords="công an xã"))[0] == 200
        saved = entry_file.read_bytes()
        status, html = await browser.post(PAGE, {**stale, "question": "Câu hỏi cũ đè lên"})
        assert status == 400 and "đã được sửa từ lúc mở biểu mẫu" in html
        assert entry_file.read_bytes() == saved
