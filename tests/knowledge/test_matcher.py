"""Matching citizens' questions: the right entry, honest suggestions, and honest fallbacks."""

from __future__ import annotations

import unicodedata

import pytest

from knowledge.service import KnowledgeService
from tests.faq_files import entry_yaml


@pytest.fixture
def road_and_sun(make_faq_dir) -> KnowledgeService:
    """Two entries whose key words differ only by diacritics: đường (road) and dương (solar)."""
    folder = make_faq_dir({"a.yaml": entry_yaml(
        "duong-di", "Tra cứu đường đi tới công an xã",
        ["xem đường tới trụ sở", "đường đến công an", "chỉ đường công an xã", "bản đồ đường đi"],
    ) + entry_yaml(
        "duong-lich", "Tra cứu dương lịch hôm nay",
        ["xem lịch dương", "ngày dương lịch", "đổi âm lịch sang dương lịch", "lịch dương hôm nay"],
    )})
    return KnowledgeService(folder)


def ranking(service: KnowledgeService, question: str) -> list[str]:
    result = service.match(question)
    if result.outcome == "answered":
        return [result.entry.id]
    return [c.entry.id for c in result.suggestions]


def test_typed_diacritics_rank_the_entry_that_matches_them_first(road_and_sun):
    assert ranking(road_and_sun, "tra cứu đường")[0] == "duong-di"
    assert ranking(road_and_sun, "tra cứu dương")[0] == "duong-lich"


def test_the_same_question_in_nfd_matches_like_nfc(road_and_sun):
    question = "tra cứu đường đi tới công an"
    nfd = unicodedata.normalize("NFD", question)
    assert road_and_sun.match(nfd) == road_and_sun.match(question)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("quen mat khau vneid thi lam sao?", "quen-mat-khau"),
        ("Quên mật khẩu VNeID thì làm sao?", "quen-mat-khau"),
        ("cho e hoi ad oi, quen mk vnied thi lam sao a", "quen-mat-khau"),
        ("ko nhận đc mã otp kích hoạt tài khoản định danh", "khong-nhan-otp"),
        ("lệ phí đổi thẻ căn cước bao nhiêu tiền", "le-phi-the-can-cuoc"),
        ("quen matt khau vneid", "quen-mat-khau"),  # a typo the index corrects
    ],
)
def test_clear_questions_are_answered(shipped_knowledge, question, expected):
    result = shipped_knowledge.match(question)
    assert (result.outcome, result.entry.id) == ("answered", expected)
    assert 0 <= result.score <= 100


@pytest.mark.parametrize(
    "question",
    ["thời tiết Hà Nội hôm nay thế nào", "kết quả bóng đá tối qua", "giá vàng hôm nay",
     "vay tín chấp ngân hàng cần gì", "làm sổ đỏ cần giấy tờ gì", "bạn tên gì"],
)
def test_off_topic_questions_fall_back_instead_of_answering_the_nearest_entry(
    shipped_knowledge, question
):
    result = shipped_knowledge.match(question)
    assert result.outcome == "fallback" and result.entry is None and result.suggestions == ()


def test_a_single_known_word_gets_suggestions_not_an_answer(shipped_knowledge):
    result = shipped_knowledge.match("VNeID")
    assert result.outcome == "suggested" and result.entry is None
    assert 1 <= len(result.suggestions) <= 3
    assert result.suggestions[0].score >= result.suggestions[-1].score


def test_empty_or_meaningless_text_falls_back(shipped_knowledge):
    for text in ("", "   ", "😀😀", "ạ ạ ạ"):
        assert shipped_knowledge.match(text).outcome == "fallback"
