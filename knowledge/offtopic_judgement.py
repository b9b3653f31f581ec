"""Whether a question is off topic: a probability of its own, beside the calibration's.

The calibration (knowledge/calibration.py) asks "is the best entry the right one?". An
off-topic question that shares our everyday words and one of our topic words ("đăng ký tài
khoản trên VssID", "mã QR là gì") can still leave that fairly sure, because what decides it is
how well the entry fits, not what the question is about. What tells an off-topic question
apart is a comparison: how the best off-topic topic (knowledge/offtopic_topics.py) fared
against the best entry — their scores, the re-ranking's probabilities and scores, how much of
the question each knows (coverage, TF-IDF cosine, BM25, rare words) — and how much of the
question rests on words that are rare in Vietnamese AND unknown to the knowledge base
("vssid", "vnpt", "trái tuyến"): everyday words, numbers and dates are no such evidence
(knowledge/commonness.py; numbers never reach the matcher's words).

A small logistic model weighs them into a probability (0–100) that the question is not ours;
at or above `offtopic_confidence` the bot falls back. Weights: `python
benchmarks/reranking_cv.py --fit` (nested CV by source page over the `tune` half and the dev
set: the re-ranking, the calibration and this model each fitted without the held-out fold).
On those folds it trades top-1 for off-topic fallbacks better than the calibration's
threshold alone (tune top-1 at 93.2% off-topic fallback: 78.8% with it, 72.5% without; how
the shipped threshold was chosen: config.example.yaml).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from knowledge.reranking import FEATURES as RERANKING_FEATURES
from knowledge.reranking import Reranking

FEATURES = (
    "entry_logit",  # the calibration's log-odds that the best entry is right
    "entry_coverage",  # 0–1, share of the question's weighted words the best entry knows
    "topic",  # 1 when an off-topic topic is among the candidates
    "topic_score",  # 0–1, its score / 100 (0: none)
    "score_gap",  # its score minus the best entry's, / 100 (0: none)
    "topic_chance",  # 0–1, the re-ranking's probability for it (0: none)
    "rerank_gap",  # the re-ranking's score for it minus the best entry's (0: none)
    "coverage_gap",  # what it knows of the question minus what the best entry knows ...
    "cosine_gap",  # ... as one document (TF-IDF cosine)
    "bm25_gap",  # ... by BM25 (over the best candidate's)
    "rare_gap",  # ... by the share of the squared word weights (rare words count most)
    # what the question's words say, whatever made the top five (the matcher's `_foreign`):
    "rare_unknown",  # 0–1, share of its weight in words rare in Vietnamese AND unknown to us
    "topic_words",  # 0–1, share of its weight in words only off-topic questions use
    "topic_pairs",  # 0–1, share of its word pairs' weight only off-topic questions use
    "topic_retrieved",  # 0–1, the best topic's retrieval score over the best's (0: none)
)
COMPARED = ("coverage", "cosine", "bm25", "rare_share")  # the re-ranking's, topic − entry
LOGIT_LIMIT = 8.0  # the entry's log-odds enter clipped to ±this (a 0% or 100% is no surer)
# Logistic weights per feature (raw units) and the bias: `reranking_cv.py --fit`, L2 10 on
# standardised features.
WEIGHTS: tuple[float, ...] = (-0.6624, -1.882, 0.4277, -0.3708, -1.148, 0.3093, 0.06222,
                              -0.4758, 0.4718, 0.1158, -0.8962, 3.886, 5.735, 3.161,
                              1.394)  # fmt: skip
BIAS = -1.063


_WEIGHTS = np.array(WEIGHTS)


@dataclass(frozen=True)
class OfftopicJudgement:
    """The probability and why: the features' values, and the log-odds each added."""

    confidence: float  # 0–100, the probability (in %) that the question is not ours
    values: np.ndarray  # per feature, in FEATURES' order

    @property
    def points(self) -> tuple[tuple[str, float, float], ...]:
        """(feature, value, log-odds added), for explanations (matching never asks)."""
        return tuple((name, value, weight * value) for name, value, weight
                     in zip(FEATURES, self.values.tolist(), WEIGHTS, strict=True))  # fmt: skip


def offtopic_features(
    topic: np.ndarray, reranking: Reranking | None,
    entry_confidence: float, entry_coverage: float, foreign: tuple[float, ...],
) -> np.ndarray:
    """The model's features for the candidates in the matcher's order: `topic` marks the
    off-topic topics, `reranking` is the re-ranking's verdict on them (None: a lone
    candidate, not re-ranked); `foreign`: the last four features."""
    sure = min(max(entry_confidence / 100, 1e-9), 1 - 1e-9)
    logit = min(max(math.log(sure / (1 - sure)), -LOGIT_LIMIT), LOGIT_LIMIT)
    found = np.zeros(len(FEATURES))
    found[:2] = logit, entry_coverage
    found[-4:] = foreign
    if reranking is None or not topic.any() or topic.all():
        return found
    features, scores, order = reranking.features, reranking.scores, reranking.order()
    best_topic = next(k for k in order if topic[k])
    best_entry = next(k for k in order if not topic[k])
    score_at = RERANKING_FEATURES.index("score")
    compared = [RERANKING_FEATURES.index(name) for name in COMPARED]
    found[2:7] = (1.0, features[best_topic, score_at],
                  features[best_topic, score_at] - features[best_entry, score_at],
                  reranking.probabilities()[best_topic], scores[best_topic] - scores[best_entry])
    found[7:-4] = features[best_topic, compared] - features[best_entry, compared]
    return found


def judge_offtopic(values: np.ndarray) -> OfftopicJudgement:
    """The logistic model on the features."""
    logit = BIAS + float(values @ _WEIGHTS)
    return OfftopicJudgement(100 / (1 + math.exp(-max(min(logit, 50.0), -50.0))), values)
