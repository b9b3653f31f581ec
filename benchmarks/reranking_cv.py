"""Cross-validation of the re-ranking model (knowledge/reranking.py), and its weights.

The folds are those of benchmarks/calibration_cv.py: 5 by source page over the `tune` half
of tests/data/real.jsonl and the dev set, each fold's matcher built without the variants and
off-topic questions that nearly copy its held-out questions. The `test` half is never read.

For every held-out question the script keeps the matcher's candidates (before re-ranking),
their re-ranking features and the calibration's evidence for each. The listwise weights are
fitted on the other folds and applied to the held-out fold; then the calibration's weights
are refitted on the re-ranked evidence the same way, and the bot's decisions are judged as
`troly06 eval` counts them:

    python benchmarks/reranking_cv.py          # CV figures: matcher order vs re-ranked
    python benchmarks/reranking_cv.py --fit    # also the weights fitted on all folds (FITTED)
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, replace

import numpy as np
from calibration_cv import (
    FOLDS,
    Question,
    confidences,
    figures,
    fit_calibration,
    fold_knowledge,
    questions,
)
from calibration_cv import fit as fit_logistic

from knowledge.calibration import Evidence
from knowledge.matcher import Candidate, Matcher, Thresholds, _is_offtopic
from knowledge.offtopic_judgement import FEATURES as OFFTOPIC_FEATURES
from knowledge.offtopic_judgement import offtopic_features
from knowledge.reranking import FEATURES, SCORE_PRIOR, WEIGHTS, rerank
from knowledge.service import KnowledgeService

L2 = 10.0  # ridge penalty on the standardised weights (CV: 1 → 85.8%, 10 → 86.5%, 100 → 85.1%)


@dataclass
class Asked:
    """One held-out question: its candidates in the matcher's order, their features and
    the calibration's evidence if each were the best entry."""

    question: Question
    ranked: list[Candidate]
    features: np.ndarray
    evidence: list[Evidence | None] = field(default_factory=list)
    foreign: tuple[float, ...] = (0.0,) * 4  # Matcher._foreign

    def targets(self) -> np.ndarray:
        """1 for each acceptable candidate (an off-topic question, for one that must fall
        back), shared equally."""
        expected = self.question.expected
        right = np.array([_is_offtopic(c.entry) if expected is None else c.entry.id in expected
                          for c in self.ranked], dtype=float)  # fmt: skip
        return right / right.sum() if right.any() else right


def gather(cut: float) -> list[Asked]:
    service = KnowledgeService()
    everything = questions()
    found = []
    for fold in range(FOLDS):
        held = [q for q in everything if q.fold == fold]
        matcher = Matcher(fold_knowledge(service, held, cut), service.normalizer)
        for q in held:
            query = matcher.normalizer.normalize(q.text)
            words = matcher._query_words(query)
            q.vague = len(words) == 1 and words[0].known
            asked = matcher._asked(query, words) if words else None
            ranked = matcher._rank(asked, words) if asked else []
            foreign = matcher._foreign(asked, words) if asked else (0.0,) * 4
            # The re-ranking's probability is filled in per weights (`reordered`).
            chances = np.ones(len(ranked))
            if len(ranked) < 2:
                judged = matcher._judge(asked, words, ranked, chances) if ranked else None
                found.append(Asked(q, ranked, np.zeros((len(ranked), len(FEATURES))),
                                   [judged.evidence if judged else None] * len(ranked), foreign))
                continue
            evidence = []
            for c in ranked:  # as the judgement sees it when c is put first
                rest = [o for o in ranked if o is not c]
                judged = None if _is_offtopic(c.entry) else matcher._judge(asked, words,
                                                                           [c, *rest], chances)
                evidence.append(judged.evidence if judged else None)
            features = matcher._reranking(asked, words, ranked).features
            found.append(Asked(q, ranked, features, evidence, foreign))
    return found


def fit(asked: list[Asked]) -> np.ndarray:
    """Listwise logistic regression (softmax over each question's candidates, the target
    shared among its acceptable ones) by Newton steps on standardised features."""
    usable = [a for a in asked if len(a.ranked) > 1 and a.targets().any()]
    x = np.concatenate([a.features for a in usable])
    mean, spread = x.mean(axis=0), x.std(axis=0) + 1e-9
    groups = [((a.features - mean) / spread, a.targets()) for a in usable]
    w = np.zeros(len(FEATURES))
    for _ in range(30):
        gradient = L2 * w
        hessian = L2 * np.eye(len(w))
        for z, y in groups:
            s = z @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            gradient += z.T @ (p - y)
            zp = z.T @ p
            hessian += (z * p[:, None]).T @ z - np.outer(zp, zp)
        w -= np.linalg.solve(hessian, gradient)
    return w / spread  # a constant shift per question changes nothing: no bias


def with_prior(weights: np.ndarray) -> np.ndarray:
    """Fitted weights as shipped: SCORE_PRIOR added to the score's (knowledge/reranking.py)."""
    return weights + SCORE_PRIOR * (np.array(FEATURES) == "score")


def reordered(a: Asked, weights: np.ndarray | None) -> Question:
    """The question as the decision sees it: candidates in the model's order (None: the
    matcher's), the evidence of the best that is not off-topic with the model's probability
    for it (the matcher's order: 1)."""
    order = list(range(len(a.ranked)))
    chances = np.ones(len(a.ranked))
    if weights is not None and len(a.ranked) > 1:
        reranking = rerank(a.features, tuple(weights))
        order, chances = reranking.order(), reranking.probabilities()
    best = next((k for k in order if not _is_offtopic(a.ranked[k].entry)), None)
    evidence = None if best is None else replace(a.evidence[best], rerank=float(chances[best]))
    return replace(a.question, ranked=[a.ranked[k] for k in order], evidence=evidence)


def offtopic_values(a: Asked, q: Question, weights: np.ndarray, sure: float) -> np.ndarray:
    """The off-topic model's features for a question (zeros where the calibration did not
    judge it), as the matcher works them out with these re-ranking weights and the
    calibration's confidence `sure`."""
    if q.evidence is None:
        return np.zeros(len(OFFTOPIC_FEATURES))
    topic = np.array([_is_offtopic(c.entry) for c in a.ranked])
    many = len(a.ranked) > 1
    return offtopic_features(topic, rerank(a.features, tuple(weights)) if many else None, sure,
                             q.evidence.coverage, a.foreign)  # fmt: skip


def fit_offtopic(x: np.ndarray, qs: list[Question]) -> tuple[np.ndarray, float]:
    """The off-topic model's weights and bias on the questions the calibration judged:
    whether each is one that must fall back."""
    judged = np.array([q.evidence is not None for q in qs])
    return fit_logistic(x[judged], np.array([q.expected is None for q in qs])[judged] * 1.0)


def offtopic_chances(x: np.ndarray, qs: list[Question]) -> np.ndarray:
    """Per question, the off-topic probability (0–100) of the model fitted without its fold."""
    folds = np.array([q.fold for q in qs])
    out = np.zeros(len(qs))
    for fold in range(FOLDS):
        weights, bias = fit_offtopic(x[folds != fold], [q for q in qs if q.fold != fold])
        out[folds == fold] = 100 / (1 + np.exp(-(x[folds == fold] @ weights + bias)))
    return out


def first_right(qs: list[Question]) -> dict[str, float]:
    """Per kind, the share of in-domain questions whose right entry is ranked first."""
    counts: dict[str, list[int]] = {}
    for q in qs:
        if q.expected:
            c = counts.setdefault(q.kind, [0, 0])
            c[0] += 1
            c[1] += bool(q.ranked) and q.ranked[0].entry.id in q.expected
    return {kind: right / total for kind, (total, right) in counts.items()}


def separation(qs: list[Question], sure: np.ndarray) -> str:
    """Per kind, how well the confidence tells a right best entry from an off-topic question:
    the chance that a random one of the first scores above a random one of the second (AUC)."""
    shown = []
    for kind in dict.fromkeys(q.kind for q in qs):
        right = np.array([s for q, s in zip(qs, sure, strict=True) if q.kind == kind and q.right])
        off = np.array([s for q, s in zip(qs, sure, strict=True)
                        if q.kind == kind and not q.expected])  # fmt: skip
        above = (right[:, None] > off[None, :]).mean() + (right[:, None] == off[None, :]).mean() / 2
        shown.append(f"{kind} {above:.3f}")
    return "AUC right vs off-topic: " + "  ".join(shown)


def main() -> None:
    base = Thresholds()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offtopic-cut", type=float, default=85.0)
    parser.add_argument("--confidence", type=float, nargs="+", default=[base.confidence])
    parser.add_argument("--offtopic", type=float, nargs="+", default=[base.offtopic],
                        help="off-topic probabilities (0-100) at or above which to fall back")
    parser.add_argument("--fit", action="store_true", help="print the weights fitted on all folds")
    args = parser.parse_args()
    asked = gather(args.offtopic_cut)
    folds = np.array([a.question.fold for a in asked])
    per_fold = [with_prior(fit([a for a, f in zip(asked, folds, strict=True) if f != fold]))
                for fold in range(FOLDS)]  # fmt: skip
    rows = [("matcher order", [reordered(a, None) for a in asked]),
            ("shipped weights", [reordered(a, np.array(WEIGHTS)) for a in asked]),
            ("refitted per fold", [reordered(a, per_fold[a.question.fold]) for a in asked])]
    for label, qs in rows:
        ranked = "  ".join(f"{kind} {share:.1%}" for kind, share in first_right(qs).items())
        print(f"{label:18} right entry ranked first: {ranked}")
        sure = confidences(qs, None)
        print(f"{'':18} {separation(qs, sure)}")
        for floor in args.confidence:
            shown = figures(qs, sure, replace(base, confidence=floor))
            print(f"{'':18} confidence ≥ {floor:3.0f} (calibration refitted per fold)  "
                  + "  ".join(f"{kind}: top-1 {t:.1%} wrong {w:.1%} off-topic {f:.1%}"
                              for kind, (t, w, f) in shown.items()))  # fmt: skip
    nested = rows[-1][1]
    sure = confidences(nested, None)
    x = np.array([offtopic_values(a, q, per_fold[a.question.fold], s)
                  for a, q, s in zip(asked, nested, sure.tolist(), strict=True)])  # fmt: skip
    chances = offtopic_chances(x, nested)
    print("off-topic judgement (all nested):")
    for floor in args.confidence:
        for off in args.offtopic:
            shown = figures(nested, sure, replace(base, confidence=floor, offtopic=off), chances)
            print(f"  confidence ≥ {floor:3.0f} off-topic ≥ {off:3.0f}  "
                  + "  ".join(f"{kind}: top-1 {t:.1%} wrong {w:.1%} off-topic {f:.1%}"
                              for kind, (t, w, f) in shown.items()))  # fmt: skip
    if args.fit:
        weights = fit(asked)
        print("FITTED = (" + ", ".join(f"{w:.4g}" for w in weights) + ")")
        print(dict(zip(FEATURES, np.round(weights, 3).tolist(), strict=True)))
        calibration, bias = fit_calibration(rows[-1][1])  # on the nested re-ranking's order
        print("calibration WEIGHTS = (" + ", ".join(f"{w:.4g}" for w in calibration)
              + f")  BIAS = {bias:.4g}")
        offtopic, off_bias = fit_offtopic(x, nested)
        print("off-topic WEIGHTS = (" + ", ".join(f"{w:.4g}" for w in offtopic)
              + f")  BIAS = {off_bias:.4g}")


if __name__ == "__main__":
    main()
