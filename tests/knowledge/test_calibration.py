"""The calibrated decision (knowledge/calibration.py): the bot offers an entry only when it is
confident the entry is the topic asked about, judged on what matched, not on the score alone."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from foundations.settings_file import load_config
from knowledge.calibration import BIAS, Evidence, judge
from knowledge.matcher import Matcher
from knowledge.service import KnowledgeService


def with_confidence(service: KnowledgeService, confidence: float) -> Matcher:
    """The shipped matcher with another fallback_confidence and the off-topic judgement off
    (knowledge/offtopic_judgement.py), so that the calibration alone decides."""
    thresholds = replace(service.thresholds, confidence=confidence, offtopic=100.0)
    return Matcher(service.kb, service.normalizer, thresholds)


def test_an_off_topic_question_scoring_high_on_everyday_words_alone_falls_back(
    shipped_knowledge: KnowledgeService,
):
    # "đăng ký … cần giấy tờ gì" is how every procedure is asked; "nhãn hiệu" is none of ours.
    question = "Đăng ký nhãn hiệu cần những giấy tờ gì"
    explained = shipped_knowledge.matcher.explain(question)
    evidence = explained.judgement.evidence
    assert evidence.score >= shipped_knowledge.thresholds.suggest  # the score would offer it
    assert evidence.key_terms == 0.0  # but it names none of the entry's key terms
    assert explained.result.outcome == "fallback"
    assert explained.result.confidence < shipped_knowledge.thresholds.confidence


@pytest.mark.parametrize(("question", "expected"), [
    ("căn cước của bố em hình như bị sai năm sinh, giờ làm sao ạ", "sai-thong-tin-tren-the"),
    ("vneid nhà tôi cứ báo lỗi mãi, tức quá", "loi-ung-dung"),
])  # fmt: skip
def test_a_chatty_question_naming_our_words_is_offered_its_entry_despite_a_lowish_score(
    shipped_knowledge: KnowledgeService, question: str, expected: str
):
    result = shipped_knowledge.match(question)
    assert result.score < 74.0  # under the single-score threshold used before calibration
    assert result.outcome == "suggested"
    assert result.suggestions[0].entry.id == expected
    assert result.confidence >= shipped_knowledge.thresholds.confidence


def test_the_confidence_threshold_decides_between_offering_and_falling_back(
    shipped_knowledge: KnowledgeService,
):
    # (Without "online", admins' off-topic questions on "đăng ký … giấy tờ" rank first.)
    question = "Đăng ký nhãn hiệu online cần giấy tờ gì"
    assert shipped_knowledge.match(question).outcome == "fallback"
    assert with_confidence(shipped_knowledge, 0.0).match(question).outcome == "suggested"
    assert with_confidence(shipped_knowledge, 100.0).match(
        "căn cước của bố em hình như bị sai năm sinh, giờ làm sao ạ").outcome == "fallback"


def test_the_threshold_comes_from_the_configuration(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("knowledge:\n  fallback_confidence: 75\n", encoding="utf-8")
    service = KnowledgeService.from_config(load_config(path, environ={}))
    assert service.matcher.thresholds.confidence == 75.0


def test_a_single_known_word_gets_suggestions_however_unsure(shipped_knowledge: KnowledgeService):
    # "chip" says too little to judge the topic, and too much for "I don't know".
    assert with_confidence(shipped_knowledge, 100.0).match("chip").outcome == "suggested"


def test_the_explanation_gives_the_confidence_and_what_each_signal_added(
    shipped_knowledge: KnowledgeService,
):
    explained = shipped_knowledge.matcher.explain("vneid nhà tôi cứ báo lỗi mãi, tức quá")
    judgement = explained.judgement
    assert judgement.confidence == explained.result.confidence
    logit = BIAS + sum(added for *_, added in judgement.points)
    assert judgement.confidence == pytest.approx(100 / (1 + math.exp(-logit)))
    assert [name for name, *_ in judgement.points] == [
        "score", "coverage", "pairs", "key_terms", "rarest", "offtopic", "rerank", "margin"]


def test_more_evidence_that_the_entry_is_ours_never_lowers_the_confidence():
    base = Evidence(score=72.0, coverage=0.5, pairs=1, key_terms=0.5, rarest=5.5, offtopic=0.0,
                    rerank=0.5, margin=3.0)  # fmt: skip
    surer = [replace(base, score=80.0), replace(base, coverage=0.9), replace(base, pairs=4),
             replace(base, key_terms=1.0), replace(base, rarest=0.0),
             replace(base, rerank=0.95), replace(base, margin=12.0)]  # fmt: skip
    less_sure = [replace(base, offtopic=70.0), replace(base, rarest=6.5)]
    confidence = judge(base).confidence
    assert all(judge(e).confidence > confidence for e in surer)
    assert all(judge(e).confidence < confidence for e in less_sure)


def test_the_confidence_weighs_how_clearly_the_re_ranking_and_the_scores_chose_the_entry(
    shipped_knowledge: KnowledgeService,
):
    # The calibration judges the re-ranked first entry: the re-ranking's probability for it
    # and its lead over the best rival's score are evidence like what matched.
    explained = shipped_knowledge.matcher.explain("vneid nhà tôi cứ báo lỗi mãi, tức quá")
    evidence = explained.judgement.evidence
    best, *rivals = explained.result.ranked
    assert evidence.margin == pytest.approx(best.score - max(c.score for c in rivals))
    assert 0.0 < evidence.rerank <= 1.0
    unsure = judge(replace(evidence, rerank=0.2, margin=0.0)).confidence
    assert unsure < explained.judgement.confidence
