"""Whether the best entry is what the citizen asked about: a confidence from several signals.

One score with thresholds did not separate "ours" from "not ours": on held-out real questions,
in-domain ones whose right entry ranked first scored as low as off-topic ones that share our
everyday words ("đăng ký", "giấy tờ", "cấp lại"). What tells them apart is what matched, not
only how much: whether the question names the entry's key terms ("căn cước" for a card entry,
not just "làm … lần đầu"), whether word pairs matched, whether a matched word is ours rather
than everyday Vietnamese ("vneid", "cccd", "định danh" against "giấy", "tờ"), and how close an
off-topic question marked by an admin came; and how clearly the best entry won: the
re-ranking's probability for it (knowledge/reranking.py) and its lead over the best rival's
score. A small logistic model weighs those signals into a probability that the best entry
(after re-ranking) is the RIGHT one: an off-topic question's never is, and offering a wrong
entry helps nobody either. Below `fallback_confidence` the bot says it does not know, whatever
the score.

The weights were fitted with numpy by `python benchmarks/reranking_cv.py --fit` on out-of-fold
signals (folds by source page over the `tune` half of tests/data/real.jsonl and the dev set,
each fold's matcher built without the variants and off-topic questions that nearly copy its
held-out questions, the re-ranking itself fitted without the held-out fold: nested); `test`
was only measured afterwards. On those folds (tune half), the previous model (six signals,
"in domain or not") gave top-1 74.0% at 88.7% off-topic fallback; this one gives 78.5% at the
same fallback rate (threshold 60), or 82.8% at 84.1% (threshold 50, shipped); with the
off-topic questions grouped by topic (knowledge/offtopic_topics.py), 82.5% at 89.4%.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Evidence:
    """What the calibration looks at, for the best entry that is not an off-topic question."""

    score: float  # 0–100, the entry's score
    coverage: float  # 0–1, share of the question's weighted words the entry knows
    pairs: int  # word pairs of the question ("căn cước") the entry's phrasings use
    key_terms: float  # 0–1, the heaviest of the entry's key terms the question names
    rarest: float  # Zipf frequency in Vietnamese of the rarest word matched (7: none)
    offtopic: float  # 0–100, the score of the closest off-topic question ranked (0: none)
    rerank: float  # 0–1, the re-ranking's probability for it among the candidates
    margin: float  # its score minus the best rival's (candidates or off-topic)

    def features(self) -> tuple[float, ...]:
        return (self.score, self.coverage, math.log1p(self.pairs), self.key_terms,
                self.rarest, self.offtopic, math.log(max(self.rerank, RERANK_FLOOR)),
                self.margin)  # fmt: skip


FEATURES = ("score", "coverage", "pairs", "key_terms", "rarest", "offtopic", "rerank", "margin")
RERANK_FLOOR = 1e-6  # `rerank` enters as its log, floored here
# Logistic weights per feature (raw units; `pairs` enters as log(1 + pairs), `rerank` as its
# log) and the bias: `reranking_cv.py --fit`, L2 10 on standardised features.
WEIGHTS = (0.05063, 1.166, 1.113, 2.431, -0.09707, -0.009932, 0.2917, 0.07756)
BIAS = -7.891
KEY_TERM_SHARE = 0.4  # a term used by at least this share of an entry's phrasings is key


@dataclass(frozen=True)
class Judgement:
    """The confidence and why: each feature's value and the log-odds it added."""

    evidence: Evidence
    confidence: float  # 0–100, the probability (in %) that the entry is the right one
    points: tuple[tuple[str, float, float], ...]  # (feature, value, log-odds added)


def judge(evidence: Evidence) -> Judgement:
    """The logistic model on the evidence."""
    values = evidence.features()
    parts = tuple((name, value, weight * value)
                  for name, value, weight in zip(FEATURES, values, WEIGHTS, strict=True))
    logit = BIAS + sum(added for *_, added in parts)
    return Judgement(evidence, 100 / (1 + math.exp(-max(min(logit, 50.0), -50.0))), parts)


def key_terms(
    uses: Sequence[Counter[str]], phrasings: Sequence[int], term_id: dict[str, int],
    idf: Sequence[float],
) -> list[dict[int, float]]:
    """Per entry, the terms (words and word pairs) most of its phrasings use, with their
    weight: what a question about the entry should name."""
    keys = []
    for used, count in zip(uses, phrasings, strict=True):
        floor = KEY_TERM_SHARE * max(count, 1)
        keys.append({term_id[t]: idf[term_id[t]] for t, n in used.items() if n >= floor})
    return keys


def key_term_share(keys: dict[int, float], asked: set[int]) -> float:
    """The heaviest key term the question names, over the heaviest key term."""
    if not keys:
        return 0.0
    named = [weight for term, weight in keys.items() if term in asked]
    return max(named, default=0.0) / max(keys.values())
