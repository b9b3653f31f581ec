"""What each page shows an admin, read from the same functions the bot serves with."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

from bot.app import App
from bot.web.auth import verify_password
from bot.web.pages import OFFTOPIC_LABELS
from scheduler import api
from tests.web.conftest import TASK_TITLE, Browser

TROLY06 = Path(sys.executable).with_name("troly06")


async def _paragraph_shown(browser: Browser, question: str, paragraph_id: str) -> str:
    """One paragraph of the "Thử hỏi" page after an admin asked `question` there."""
    await browser.login("minh")
    _, html = await browser.ask(question)
    return html.split(f'id="{paragraph_id}"')[1].split("</p>")[0]


class TestAsking:
    async def test_shows_the_outcome_score_and_ranked_candidates_of_the_matcher(
        self, browser: Browser, running: App
    ):
        question = "làm căn cước mất bao lâu"
        expected = running.knowledge.match(question)
        await browser.login("minh")
        status, html = await browser.ask(question)
        assert status == 200
        assert f'id="score">{expected.score:.1f}<' in html
        rows = html.split('id="candidates"')[1]
        positions = [rows.index(f"({c.entry.id})") for c in expected.ranked]
        assert positions == sorted(positions), "candidates in the matcher's order"

    async def test_explains_why_each_candidate_scored_what_it_did(
        self, browser: Browser, running: App
    ):
        question = "mất thẻ căn cước ở sao hỏa làm lại thế nào"
        best = running.knowledge.matcher.explain(question).candidates[0]
        await browser.login("minh")
        _, html = await browser.ask(question)
        row = html.split('id="candidates"')[1].split("</tr>")[1]
        assert best.closest in row and ", ".join(best.words) in row
        for label, (_, points) in zip(("giống câu gần nhất", "phủ câu gần nhất", "phủ câu hỏi",
                                       "từ đặc trưng", "so với mục dẫn đầu"),
                                      best.signals.points, strict=True):  # fmt: skip
            assert f"{label} {points:+.1f}" in row
        assert 'class="word unknown">hoa' in html and "Không mục nào có các từ: hoa" in html
        reranked = sum(added for *_, added in best.reranking)
        assert f"điểm xếp lại {reranked:.2f}" in row

    async def test_shows_how_sure_the_bot_is_that_the_best_entry_is_the_topic(
        self, browser: Browser, running: App
    ):
        question = "Đăng ký nhãn hiệu cần giấy tờ gì"
        judgement = running.knowledge.matcher.explain(question).judgement
        shown = await _paragraph_shown(browser, question, "confidence")
        assert f"<strong>{judgement.confidence:.0f}%</strong>" in shown
        threshold = running.knowledge.matcher.thresholds.confidence
        key_terms = f"từ chính của mục {judgement.evidence.key_terms:.2f}"
        assert key_terms in shown and f"dưới {threshold:.0f}% bot từ chối" in shown
        assert "xác suất khi xếp lại" in shown and "hơn điểm mục kế tiếp" in shown

    async def test_shows_how_likely_the_question_is_off_topic_and_why(
        self, browser: Browser, running: App
    ):
        question = "Đăng ký kết hôn trên dịch vụ công cần chuẩn bị gì"
        offtopic = running.knowledge.matcher.explain(question).offtopic
        shown = await _paragraph_shown(browser, question, "offtopic")
        assert f"<strong>{offtopic.confidence:.0f}%</strong>" in shown
        threshold = running.knowledge.matcher.thresholds.offtopic
        assert f"từ {threshold:.0f}% bot từ chối" in shown
        for name, value, added in offtopic.points:
            assert f"{OFFTOPIC_LABELS[name]} {value:.2f} ({added:+.1f})" in shown


class TestKnowledge:
    async def test_search_finds_entries_by_their_wording(self, browser: Browser, running: App):
        await browser.login("minh")
        _, html = await browser.get("/kien-thuc?q=c%E1%BA%A5p%20l%E1%BA%A1i")  # "cấp lại"
        listed = [e for e in running.knowledge.kb.entries.values()
                  if any("cấp lại" in p.casefold() for p in e.phrasings)]
        assert listed and all(f">{e.id}</a></small>" in html for e in listed)
        assert f"{len(listed)} / {len(running.knowledge.kb.entries)} mục" in html


class TestReminders:
    async def test_show_groups_leaders_and_each_members_progress(self, browser: Browser):
        await browser.login("minh")
        _, html = await browser.get("/nhac-viec")
        assert "Tổ công tác phường A" in html and "Trần Thị Tổ Trưởng" in html
        assert TASK_TITLE in html
        _, html = await browser.get("/nhac-viec?to=tct-a")
        assert "Lê Văn Cán Bộ" in html and "đang chờ" in html

    async def test_export_a_groups_progress_as_csv(self, browser: Browser, running: App):
        officials = running.services.extras["officials"]
        occurrence = officials.service.planner.open_occurrences(officials.now())[0]
        api.press_done(officials, "telegram", "501", occurrence.id)
        await browser.login("minh")
        _, text = await browser.get("/nhac-viec/tct-a.csv")
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert rows[0] == ["Nhiệm vụ", "Hạn", "Cán bộ", "Vai trò", "Tình trạng"]
        assert rows[1][0] == TASK_TITLE and rows[1][2:] == [
            "Lê Văn Cán Bộ", "thành viên", "đã hoàn thành"]
        status, _ = await browser.get("/nhac-viec/khong-co.csv")
        assert status == 404


class TestSettingAPassword:
    def test_prints_a_config_line_with_a_salted_hash(self):
        run = subprocess.run([str(TROLY06), "web", "passwd", "lan", "--role", "viewer"],
                             input="mot-mat-khau-dai\n", capture_output=True, text=True,
                             check=True)
        line = run.stdout.splitlines()[-1].strip()
        name, role, hashed = line.removeprefix('- "').removesuffix('"').split(":", 2)
        assert (name, role) == ("lan", "viewer") and "mot-mat-khau-dai" not in run.stdout
        assert verify_password("mot-mat-khau-dai", hashed)
        assert not verify_password("mat-khau-khac", hashed)

    def test_refuses_a_short_password(self):
        run = subprocess.run([str(TROLY06), "web", "passwd", "lan"], input="ngan\n",
                             capture_output=True, text=True)
        assert run.returncode == 2 and "ít nhất 8 ký tự" in run.stderr
