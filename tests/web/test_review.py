"""Câu hỏi chưa trả lời in the browser: groups of missed questions, attached to an entry or
marked off-topic; the FAQ copy is written, the serving knowledge reloaded, all audited."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.review_cli import review_groups
from bot.web.review import fingerprint as group_fingerprint
from handlers.audit import AuditLog
from tests.web.conftest import Browser

MISSED = "xin giấy xác nhận độc thân online ở đâu vậy"
EDITS_FAQ = True  # its own FAQ copy (tests/web/conftest.py): the spec writes into it


@pytest.fixture
def missed(running: App) -> str:
    """A citizen asked twice, in two wordings, and the bot could not answer."""
    for text in (MISSED, MISSED + " ạ"):
        running.storage.record_question("telegram", "9", text, text, "fallback", None, 20.0)
    return MISSED


async def decide(browser: Browser, running: App, **fields: str) -> tuple[int, str]:
    """Submit a decision on the first group, as its form on the page would."""
    group = review_groups(running.storage, running.knowledge, 30)[0]
    number, fingerprint = str(group.number), group_fingerprint(group)
    return await browser.post("/chua-tra-loi", {
        "csrf": await browser.csrf("/chua-tra-loi"), "days": "30", "number": number,
        "fingerprint": fingerprint, **fields})  # fmt: skip


def faq_text(faq_dir: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(faq_dir.glob("*.yaml")))


class TestTheReviewPage:
    async def test_lists_the_missed_questions_grouped_with_candidates(
        self, browser: Browser, running: App, missed: str
    ):
        await browser.login("minh")
        _, html = await browser.get("/chua-tra-loi")
        assert "Nhóm 1: 2 câu" in html and missed in html
        assert 'name="entry"' not in html, "a viewer sees no decision form"
        await browser.login("lan")
        _, html = await browser.get("/chua-tra-loi")
        group = review_groups(running.storage, running.knowledge, 30)[0]
        assert f'value="{group_fingerprint(group)}"' in html
        assert all(f'value="{entry_id}"' in html for entry_id, _ in group.candidates)

    async def test_attaching_a_group_makes_its_questions_variants_and_answers_them(
        self, browser: Browser, running: App, missed: str, faq_dir: Path
    ):
        entry_id = "xac-nhan-cu-tru" if running.knowledge.kb.get("xac-nhan-cu-tru") else next(
            iter(running.knowledge.kb.entries))
        await browser.login("lan")
        status, html = await decide(browser, running, action="attach", entry=entry_id)
        assert status == 200 and "Đã thêm vào mục" in html
        assert missed in faq_text(faq_dir)
        assert running.knowledge.match(missed).entry.id == entry_id, "serving after reload"
        assert AuditLog(running.storage.db).latest()[0].action == (
            f"attach {entry_id}")

    async def test_an_unknown_entry_changes_no_file(
        self, browser: Browser, running: App, missed: str, faq_dir: Path
    ):
        before = faq_text(faq_dir)
        await browser.login("lan")
        status, html = await decide(browser, running, action="attach", other="khong-co-muc-nay")
        assert status == 400 and "tệp giữ nguyên" in html and "khong-co-muc-nay" in html
        assert faq_text(faq_dir) == before
        assert AuditLog(running.storage.db).latest()[0].result == "failed"

    async def test_marking_off_topic_adds_the_questions_to_the_off_topic_list(
        self, browser: Browser, running: App, missed: str, faq_dir: Path
    ):
        await browser.login("lan")
        status, html = await decide(browser, running, action="offtopic")
        assert status == 200 and "ngoài phạm vi" in html
        assert missed in (faq_dir / "ngoai-pham-vi.yaml").read_text(encoding="utf-8")
        assert running.knowledge.match(missed).outcome == "fallback"

    async def test_a_viewer_or_a_wrong_token_changes_nothing(
        self, browser: Browser, running: App, missed: str, faq_dir: Path
    ):
        before = faq_text(faq_dir)
        await browser.login("minh")
        status, _ = await decide(browser, running, action="offtopic")
        assert status == 403
        status, _ = await browser.post("/chua-tra-loi", {"csrf": "sai", "action": "offtopic",
                                                         "number": "1", "days": "30"})
        assert status == 403
        assert faq_text(faq_dir) == before

    async def test_a_page_gone_stale_is_refused_rather_than_applied_to_another_group(
        self, browser: Browser, running: App, missed: str, faq_dir: Path
    ):
        before = faq_text(faq_dir)
        await browser.login("lan")
        status, html = await browser.post("/chua-tra-loi", {
            "csrf": await browser.csrf("/chua-tra-loi"), "days": "30", "number": "1",
            "fingerprint": "0000000000000000", "action": "offtopic"})  # fmt: skip
        assert status == 400 and "đã thay đổi" in html
        assert faq_text(faq_dir) == before
