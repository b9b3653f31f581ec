"""The off-topic judgement (knowledge/offtopic_judgement.py): a probability of its own that the
question is not ours, from how the best off-topic topic fared against the best entry and from
the question's words that are not ours; sure enough of it, the bot falls back."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from foundations.settings_file import load_config
from knowledge.matcher import Matcher, Thresholds
from knowledge.offtopic_judgement import BIAS, FEATURES, judge_offtopic, offtopic_features
from knowledge.reranking import Reranking
from knowledge.service import KnowledgeService
from tests.faq_files import entry_yaml

# Marriage registration is not ours; "đăng ký … trên dịch vụ công" is how our online
# residence registration is asked, so the best entry alone looks fairly right.
MARRIAGE = "Đăng ký kết hôn trên dịch vụ công cần chuẩn bị gì"


def with_offtopic(service: KnowledgeService, offtopic: float) -> Matcher:
    """The shipped matcher with another offtopic_confidence, everything else the same."""
    return Matcher(service.kb, service.normalizer, replace(service.thresholds, offtopic=offtopic))


def test_a_question_likely_off_topic_falls_back_though_its_best_entry_looks_right(
    shipped_knowledge: KnowledgeService,
):
    result = with_offtopic(shipped_knowledge, 20.0).match(MARRIAGE)
    assert result.outcome == "fallback"
    assert result.confidence >= shipped_knowledge.thresholds.confidence  # would be offered
    assert result.offtopic >= 20.0
    # without the judgement the bot would answer it or offer its best entries
    assert with_offtopic(shipped_knowledge, 100.0).match(MARRIAGE).outcome != "fallback"


def test_a_question_about_our_topic_is_judged_unlikely_off_topic(
    shipped_knowledge: KnowledgeService,
):
    result = shipped_knowledge.match("Quên mật khẩu VNeID thì lấy lại thế nào")
    assert result.outcome == "answered"
    assert result.offtopic < 5.0


def test_the_threshold_comes_from_the_configuration(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("knowledge:\n  offtopic_confidence: 35\n", encoding="utf-8")
    service = KnowledgeService.from_config(load_config(path, environ={}))
    assert service.matcher.thresholds.offtopic == 35.0


def test_the_explanation_gives_the_probability_and_what_each_feature_added(
    shipped_knowledge: KnowledgeService,
):
    explained = shipped_knowledge.matcher.explain(MARRIAGE)
    offtopic = explained.offtopic
    assert offtopic.confidence == explained.result.offtopic
    logit = BIAS + sum(added for *_, added in offtopic.points)
    assert offtopic.confidence == pytest.approx(100 / (1 + math.exp(-logit)))
    assert [name for name, *_ in offtopic.points] == list(FEATURES)


def test_a_topic_close_behind_is_compared_with_the_best_entry_and_none_counts_as_nothing():
    # Candidates in the matcher's order: an entry, an off-topic topic, an entry. The
    # re-ranking's features are laid out as knowledge/reranking.py's FEATURES.
    features = np.zeros((3, 16))
    features[:, 0] = 0.80, 0.75, 0.60  # scores / 100
    features[:, 6] = 0.50, 0.90, 0.40  # coverage
    scores = np.array([2.0, 1.0, 0.5])
    foreign = (0.1, 0.2, 0.3, 0.4)
    values = offtopic_features(np.array([False, True, False]), Reranking(features, scores),
                               60.0, 0.5, foreign)
    found = dict(zip(FEATURES, values, strict=True))
    assert found["topic"] == 1.0 and found["topic_score"] == 0.75
    assert found["score_gap"] == pytest.approx(-0.05)
    assert found["coverage_gap"] == pytest.approx(0.4)
    assert found["rerank_gap"] == pytest.approx(-1.0)
    assert found["topic_chance"] == pytest.approx(math.exp(1.0) / sum(map(math.exp, scores)))
    assert found["entry_logit"] == pytest.approx(math.log(0.6 / 0.4))
    assert [found[n] for n in FEATURES[-4:]] == list(foreign)
    alone = offtopic_features(np.array([False]), None, 60.0, 0.5, foreign)
    assert not alone[2:-4].any()


def test_rare_unknown_words_pairs_only_off_topic_questions_use_and_a_topic_retrieved_point_off():
    base = offtopic_features(np.array([False]), None, 60.0, 0.5, (0.0, 0.0, 0.0, 0.0))
    theirs = offtopic_features(np.array([False]), None, 60.0, 0.5, (0.3, 0.0, 0.5, 0.5))
    assert judge_offtopic(theirs).confidence > judge_offtopic(base).confidence


@pytest.fixture
def residence_and_marriage(make_faq_dir) -> KnowledgeService:
    """Our entry on temporary residence, and off-topic questions on marriage registration."""
    folder = make_faq_dir({"a.yaml": entry_yaml(
        "dang-ky-tam-tru", "Đăng ký tạm trú online thế nào",
        ["Khai báo tạm trú trên VNeID", "Đăng ký tạm trú cho người thuê trọ",
         "Thủ tục đăng ký tạm trú", "Tạm trú làm ở đâu"],
    ) + entry_yaml(
        "quen-mat-khau", "Quên mật khẩu VNeID",
        ["Lấy lại mật khẩu VNeID", "Không nhớ mật khẩu tài khoản định danh",
         "Đặt lại mật khẩu ứng dụng", "Quên mật khẩu đăng nhập"],
    ), "ngoai-pham-vi.yaml": "- Đăng ký kết hôn cần giấy tờ gì\n- Đăng ký kết hôn ở đâu\n"})
    return KnowledgeService(folder, thresholds=Thresholds(confidence=0.0))  # fmt: skip


def test_the_question_s_words_and_pairs_only_off_topic_questions_use_are_counted(
    residence_and_marriage: KnowledgeService,
):
    found = {name: value for name, value, _ in
             residence_and_marriage.matcher.explain(
                 "Đăng ký tạm trú cho vợ sau khi kết hôn").offtopic.points}  # fmt: skip
    assert found["topic_words"] > 0.0  # "kết", "hôn"
    assert found["topic_pairs"] > 0.0  # "kết hôn" (not "đăng ký": ours too)
    assert found["topic_retrieved"] > 0.0
    plain = {name: value for name, value, _ in
             residence_and_marriage.matcher.explain("Đăng ký tạm trú cho vợ").offtopic.points}
    assert plain["topic_words"] == plain["topic_pairs"] == 0.0
