"""Learning from misses: questions the bot did not serve are grouped for an admin, who
attaches a group to an entry (its questions become variants) or marks it off-topic. Nothing
changes without the admin; every change is validated and keeps the files' own layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from handlers.store import Storage
from knowledge.editing import EditError, attach_variants, mark_offtopic
from knowledge.review import Missed, group_missed
from knowledge.service import KnowledgeService
from tests.review.conftest import Ask

PINK_BOOK = "xin cấp sổ hồng cho căn hộ chung cư"
CHIP = "thẻ chip bị trầy xước quét không lên thì phải làm gì"


def missed(text: str, service: KnowledgeService, **extra: str) -> Missed:
    return Missed(text, service.normalizer.normalize(text).text, "fallback", **extra)


def test_similar_questions_form_one_group_largest_first(service: KnowledgeService) -> None:
    questions = [missed(t, service) for t in (
        "giá xăng hôm nay bao nhiêu", CHIP, "thẻ chip bị trầy xước, quét không lên phải làm gì",
        "the chip bi tray xuoc quet khong len thi lam gi")]
    groups = group_missed(questions, service.matcher)
    assert [g.count for g in groups] == [3, 1]
    assert groups[0].number == 1 and groups[1].number == 2
    assert len(groups[0].texts) == 3


def test_the_entry_citizens_picked_from_the_suggestions_is_the_first_candidate(
    service: KnowledgeService,
) -> None:
    questions = [missed(CHIP, service, picked_id="the-hong-chip"),
                 missed(CHIP + " ạ", service, picked_id="the-hong-chip")]
    (group,) = group_missed(questions, service.matcher)
    assert group.candidates[0] == ("the-hong-chip", "người dân đã chọn 2 lần")


def test_attaching_adds_only_the_new_lines_to_the_entry_file(
    faq_dir: Path, service: KnowledgeService
) -> None:
    entry = service.kb.get("quen-mat-khau")
    path = Path(entry.file)
    before = path.read_text(encoding="utf-8").splitlines()
    result = attach_variants(faq_dir, service.kb, service.normalizer, "quen-mat-khau",
                             ["mat pass vneid roi gio sao day", "mật khẩu: quên rồi, giờ sao?",
                              entry.variants[0], "gọi [số điện thoại] mãi không được"])
    after = path.read_text(encoding="utf-8").splitlines()
    added = [line for line in after if line not in before]
    assert added == ["    - mat pass vneid roi gio sao day", "    - 'mật khẩu: quên rồi, giờ sao?'",
                     "    - gọi mãi không được"]
    assert [line for line in after if line in before] == before  # comments, order kept
    assert result.skipped == (entry.variants[0],)
    service.reload()
    assert service.match("mat pass vneid roi gio sao day").entry.id == "quen-mat-khau"


def test_an_edit_that_breaks_the_knowledge_base_is_undone(
    faq_dir: Path, service: KnowledgeService
) -> None:
    path = Path(service.kb.get("quen-mat-khau").file)
    before = path.read_bytes()
    (faq_dir / "khac.yaml").write_text("- id: [hỏng\n", encoding="utf-8")
    with pytest.raises(EditError, match=r"khac\.yaml"):
        attach_variants(faq_dir, service.kb, service.normalizer, "quen-mat-khau", ["câu mới"])
    assert path.read_bytes() == before


def test_an_unknown_entry_is_one_clear_line(faq_dir: Path, service: KnowledgeService) -> None:
    with pytest.raises(EditError, match="Không có mục nào có id 'khong-co'"):
        attach_variants(faq_dir, service.kb, service.normalizer, "khong-co", ["câu"])


def test_a_question_marked_off_topic_is_never_answered_again(
    faq_dir: Path, service: KnowledgeService
) -> None:
    assert service.match(PINK_BOOK).ranked  # it shares words with our entries
    mark_offtopic(faq_dir, service.kb, service.normalizer, [PINK_BOOK])
    service.reload()
    for question in (PINK_BOOK, "xin cap so hong cho can ho chung cu a"):
        result = service.match(question)
        assert result.outcome == "fallback" and result.suggestions == ()


async def test_kb_review_lists_what_was_missed_and_attaches_a_group(
    ask: Ask, storage: Storage, service: KnowledgeService, config, capsys
) -> None:
    (suggested,) = await ask("chip")  # one word: always suggestions, never an answer
    assert "suggested" in suggested.tags
    pick = next(b.payload for b in suggested.all_buttons() if "the-hong-chip" in b.payload)
    await ask(press=pick)
    (row,) = storage.missed_questions(days=1)
    assert row["picked_id"] == "the-hong-chip"

    config_path = str(Path(config.storage.path).parent.parent / "config.yaml")
    assert main(["--config", config_path, "kb", "review"]) == 0
    listing = capsys.readouterr().out
    assert "Nhóm 1: 1 câu" in listing and "1. the-hong-chip (người dân đã chọn 1 lần)" in listing

    assert main(["--config", config_path, "kb", "review", "--attach", "1", "the-hong-chip"]) == 0
    assert "Đã thêm vào mục 'the-hong-chip': 1 câu" in capsys.readouterr().out
    service.reload()
    assert "chip" in service.kb.get("the-hong-chip").variants


async def test_a_thumbs_down_answer_is_reviewed_too(ask: Ask, storage: Storage) -> None:
    (answer,) = await ask("quên mật khẩu vneid")
    down = next(b.payload for b in answer.all_buttons() if b.payload.startswith("fb:n"))
    await ask(press=down)
    (row,) = storage.missed_questions(days=1)
    assert (row["outcome"], row["disliked_id"]) == ("answered", "quen-mat-khau")


def test_a_group_number_that_does_not_exist_is_one_line(config, capsys) -> None:
    config_path = str(Path(config.storage.path).parent.parent / "config.yaml")
    assert main(["--config", config_path, "kb", "review", "--offtopic", "3"]) == 1
    assert "Không có nhóm số 3" in capsys.readouterr().err
