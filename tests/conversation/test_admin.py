"""Admins in chat: reload the files without downtime, review unanswered questions."""

from __future__ import annotations

import shlex
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.outbox import Outbox
from foundations.database import open_database
from foundations.settings import Config
from handlers.audit import AuditLog
from handlers.conversation import Conversation
from handlers.router import Services
from handlers.stats import figures_text, serving_figures
from knowledge.review_dates import vietnam_today
from knowledge.service import KnowledgeService
from scheduler.app import Officials
from tests.conversation.conftest import Say
from tests.scheduler.conftest import ROSTER_YAML


@pytest.fixture
def roster(tmp_path) -> Path:
    path = tmp_path / "to-cong-tac.yaml"
    path.write_text(ROSTER_YAML, encoding="utf-8")
    return path


@pytest.fixture
def config(make_config, roster) -> Config:
    return make_config(admin__users=["test:admin"], scheduler__files=[str(roster)])


@pytest.fixture
def conversation(config, storage, knowledge, tmp_path) -> Conversation:
    """The admin's conversation with the reminder feature wired in, as `troly06 run` has it."""
    db = open_database(tmp_path / "t.db")
    officials = Officials.from_settings(config.scheduler, db, Outbox())
    services = Services(knowledge=knowledge, config=config, storage=storage,
                        extras={"officials": officials})
    return Conversation(services)


@pytest.fixture
def knowledge(editable_knowledge: KnowledgeService) -> KnowledgeService:
    return editable_knowledge


async def test_citizens_cannot_use_admin_commands(say: Say) -> None:
    for command in ("/tailai", "/chuatraloi"):
        (reply,) = await say(command, user="citizen")
        assert reply.text == "Lệnh này chỉ dành cho quản trị viên."


async def test_id_tells_anyone_the_id_admins_are_listed_by(say: Say) -> None:
    (reply,) = await say("/id", user="citizen")
    assert "Mã của bạn trên kênh này: test:citizen" in reply.text
    assert "admin.users" in reply.text


def edit_a_question(faq_dir: Path) -> None:
    path = faq_dir / "vneid-su-co.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "question: Quên mật khẩu", "question: Tôi quên mật khẩu", 1), encoding="utf-8")


async def test_reload_applies_a_good_edit_and_says_what_each_part_serves(
    say: Say, faq_dir, roster, knowledge
) -> None:
    edit_a_question(faq_dir)
    (reply,) = await say("/tailai", user="admin")
    entries = len(knowledge.kb.entries)
    assert reply.text == (f"Câu hỏi đáp: đã tải lại, đang phục vụ {entries} mục.\n\n"
                          f"Nhắc việc: đã tải lại 1 tệp ({roster}).")
    assert knowledge.kb.get("quen-mat-khau").question.startswith("Tôi quên mật khẩu")


async def test_a_broken_faq_file_means_no_faq_edit_is_applied_and_the_reply_says_so(
    say: Say, faq_dir, knowledge
) -> None:
    edit_a_question(faq_dir)
    broken = faq_dir / "hong.yaml"
    broken.write_text("- id: [chưa đóng\n", encoding="utf-8")
    (reply,) = await say("/tailai", user="admin")
    faq, tasks = reply.text.split("\n\n")
    heading, error, check = faq.splitlines()
    assert heading == (f"Câu hỏi đáp: chưa áp dụng thay đổi nào, kể cả ở các tệp không lỗi; "
                       f"vẫn phục vụ {len(knowledge.kb.entries)} mục như trước. Sửa 1 lỗi "
                       f"trong {broken} rồi gửi lại /tailai:")
    assert error.startswith(f"{broken}:2: lỗi cú pháp YAML")
    assert check.startswith("Kiểm tra lại các tệp FAQ bằng: troly06 kb check ")
    assert tasks.startswith("Nhắc việc: đã tải lại 1 tệp")
    assert knowledge.kb.get("quen-mat-khau").question.startswith("Quên mật khẩu")


async def test_a_broken_task_file_is_reported_apart_from_the_faq(say: Say, roster) -> None:
    roster.write_text(ROSTER_YAML.replace("due: 2025-08-15", "due: 2025-08-32"), encoding="utf-8")
    (reply,) = await say("/tailai", user="admin")
    faq, tasks = reply.text.split("\n\n")
    assert faq.startswith("Câu hỏi đáp: đã tải lại")
    line = ROSTER_YAML[: ROSTER_YAML.index("due: ")].count("\n") + 1
    assert tasks.splitlines() == [
        "Nhắc việc: chưa áp dụng thay đổi nào, kể cả ở các tệp không lỗi; vẫn dùng dữ liệu đã "
        f"tải trước đó như trước. Sửa 1 lỗi trong {roster} rồi gửi lại /tailai:",
        f"{roster}:{line}: hạn '2025-08-32' là ngày không có thật (tháng 8/2025 không có ngày 32)",
        f"Kiểm tra lại các tệp nhắc việc bằng: troly06 tasks check {roster}",
    ]


async def test_a_broken_file_is_reported_and_the_old_answers_keep_serving(say: Say, faq_dir):
    (faq_dir / "hong.yaml").write_text("- id: [chưa đóng\n", encoding="utf-8")
    (reply,) = await say("/tailai", user="admin")
    assert f"{faq_dir / 'hong.yaml'}:" in reply.text and "lỗi cú pháp YAML" in reply.text
    (answer,) = await say("quên mật khẩu vneid thì làm sao", user="citizen")
    assert "entry:quen-mat-khau" in answer.tags


async def test_the_reload_report_names_the_command_that_checks_the_served_files(
        say: Say, faq_dir, capsys) -> None:
    (faq_dir / "hong.yaml").write_text("- id: [chưa đóng\n", encoding="utf-8")
    (reply,) = await say("/tailai", user="admin")
    faq_part = reply.text.split("\n\n")[0]
    command = faq_part.rsplit("Kiểm tra lại các tệp FAQ bằng: ", 1)[1]
    assert shlex.split(command)[:3] == ["troly06", "kb", "check"]
    assert main(shlex.split(command)[1:]) == 1
    assert f"{faq_dir / 'hong.yaml'}:2: lỗi cú pháp YAML" in capsys.readouterr().out


async def test_unanswered_questions_are_listed_most_asked_first(say: Say) -> None:
    await say("giá vàng hôm nay bao nhiêu", user="a")
    await say("giá vàng hôm nay bao nhiêu", user="b")
    await say("kết quả bóng đá tối qua", user="c")
    await say("quên mật khẩu vneid thì làm sao", user="d")
    (reply,) = await say("/chuatraloi", user="admin")
    lines = reply.text.split("\n\n")[0].splitlines()
    assert lines[1] == "1. giá vàng hôm nay bao nhiêu (2)"
    assert lines[2] == "2. kết quả bóng đá tối qua (1)"
    assert len(lines) == 3


async def test_unanswered_questions_are_followed_by_the_entries_due_for_review(
    say: Say, faq_dir, editable_knowledge: KnowledgeService
) -> None:
    soon = vietnam_today() + timedelta(days=3)
    later = vietnam_today() + timedelta(days=90)
    for name, when in (("vneid-su-co.yaml", soon), ("can-cuoc.yaml", later)):
        path = faq_dir / name
        text = path.read_text(encoding="utf-8").replace(
            "\n  updated:", f"\n  review_by: {when.isoformat()}\n  updated:", 1)
        path.write_text(text, encoding="utf-8")
    editable_knowledge.reload()
    (due,) = [e for e in editable_knowledge.kb.entries.values() if e.review_by == soon]
    (reply,) = await say("/chuatraloi", user="admin")
    unanswered, review = reply.text.split("\n\n")
    assert unanswered == "Trong 7 ngày qua không có câu hỏi nào bị bỏ ngỏ."
    heading, *rows = review.splitlines()
    assert heading == "Mục cần kiểm tra lại vì thông tin có hạn (review_by):"
    assert f"- {due.id}: {due.question} (hạn xem lại {soon:%d/%m/%Y}, còn 3 ngày)" in rows
    assert not any(f"{later:%d/%m/%Y}" in row for row in rows)


async def test_an_impossible_date_is_reported_like_any_other_problem(say: Say, faq_dir) -> None:
    path = faq_dir / "vneid-su-co.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("updated: ", "updated: 2026-13-45 #", 1), encoding="utf-8")
    line = text[: text.index("updated: ")].count("\n") + 1
    (reply,) = await say("/tailai", user="admin")
    assert (f"{path}:{line}: 'updated': '2026-13-45' là ngày không có thật (không có tháng 13)"
            in reply.text.splitlines())


async def test_thongke_gives_the_weeks_figures_as_the_console_shows_them(say: Say,
                                                                         storage) -> None:
    await say("căn cước gắn chip làm ở đâu", user="citizen")
    await say("thời tiết hôm nay thế nào", user="citizen")
    [reply] = await say("/thongke", user="admin")
    assert reply.text == figures_text(serving_figures(storage.db, 7, vietnam_today()))
    assert "Câu hỏi: 2" in reply.text


async def test_admin_commands_are_audited_refused_ones_too(say: Say, storage) -> None:
    await say("/thongke", user="citizen")
    await say("/thongke", user="admin")
    lines = [(e.who, e.action, e.result) for e in AuditLog(storage.db).latest()]
    assert lines == [("test:admin", "/thongke", "ok"), ("test:citizen", "/thongke", "refused")]
