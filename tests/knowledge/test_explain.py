"""The matcher explains a match (the console's Thử hỏi shows it): the question's words and
weights, and for each ranked candidate the words it shares, its closest phrasing and the
points each signal of the score gave. The explanation is the score, not a second opinion."""

from __future__ import annotations

import pytest

from knowledge.service import KnowledgeService

QUESTIONS = ["mất thẻ căn cước làm lại thế nào", "đăng ký tạm trú online ở đâu",
             "quên mật khẩu vneid", "thời tiết hôm nay thế nào"]  # fmt: skip


@pytest.mark.parametrize("question", QUESTIONS)
def test_lists_the_matchs_own_candidates_and_their_points_add_up_to_each_score(
    shipped_knowledge: KnowledgeService, question: str
):
    explained = shipped_knowledge.matcher.explain(question)
    assert explained.result == shipped_knowledge.match(question)
    assert [c.candidate for c in explained.candidates] == list(explained.result.ranked)
    for c in explained.candidates:
        total = sum(points for _, points in c.signals.points)
        assert max(0.0, min(total, 100.0)) == pytest.approx(c.candidate.score, abs=0.06)


def test_names_the_shared_words_the_closest_phrasing_and_words_no_entry_knows(
    shipped_knowledge: KnowledgeService,
):
    explained = shipped_knowledge.matcher.explain("mất thẻ căn cước ở sao hỏa làm lại thế nào")
    best = explained.candidates[0]
    assert best.candidate.entry.id == "mat-the-cap-lai"
    assert best.closest in best.candidate.entry.phrasings
    assert {"mat", "the", "can", "cuoc"} <= set(best.words)
    assert "can cuoc" in best.pairs
    assert "hoa" in explained.unknown and "hoa" not in best.words
    assert dict(explained.weights)["cuoc"] > 0


def test_a_typo_is_shown_with_the_word_it_was_read_as(shipped_knowledge: KnowledgeService):
    explained = shipped_knowledge.matcher.explain("quên mật khẩu vneidd")
    assert ("vneidd", "vneid") in explained.corrected


def test_a_question_without_content_words_has_nothing_to_explain(
    shipped_knowledge: KnowledgeService,
):
    explained = shipped_knowledge.matcher.explain("ạ")
    assert explained.result.outcome == "fallback" and explained.candidates == ()
