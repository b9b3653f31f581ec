"""Cross-validation of the matcher's calibration (knowledge/calibration.py), and its weights.

The `tune` half flatters the matcher: variants and off-topic questions were written from its
misses. So the calibration is chosen on folds by source page over the `tune` half of
tests/data/real.jsonl and the dev set (5 folds). Each fold's matcher is built without the
variants that nearly copy its held-out in-domain questions and without the off-topic
questions that nearly copy its held-out ones (rapidfuzz token-set ratio ≥ 85 on the
normalised text, as issue 8 asks; `--offtopic-cut 60` drops far more of them, which comes
closer to questions about topics no off-topic question covers). The `test` half is never
read here.

For every held-out question the script keeps the matcher's ranking and the calibration's
evidence; the logistic weights are then fitted on the other folds' evidence and applied to
the held-out fold, and the decision is judged for each `fallback_confidence`:

    python benchmarks/calibration_cv.py        # figures per suggest and confidence threshold

The calibration's weights themselves are fitted by `python benchmarks/reranking_cv.py --fit`:
its evidence comes from the re-ranking fitted without the held-out fold (nested), where this
script reads the shipped re-ranking, fitted on every fold.
"""

from __future__ import annotations

import argparse
import json
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from knowledge.calibration import BIAS, FEATURES, WEIGHTS, Evidence, Judgement
from knowledge.matcher import Candidate, Matcher, Thresholds, _is_offtopic, _ordered
from knowledge.model import KnowledgeBase
from knowledge.offtopic_judgement import OfftopicJudgement
from knowledge.service import KnowledgeService

ROOT = Path(__file__).resolve().parents[1]
FOLDS = 5
L2 = 10.0  # ridge penalty, standardised weights (CV AUC right vs off-topic: 1 → 0.816, 10 → 0.829)


@dataclass
class Question:
    text: str
    expected: tuple[str, ...] | None
    group: str  # the source page (dev: the line), so one page is never split across folds
    kind: str  # "tune" or "dev"
    ranked: list[Candidate] | None = None
    vague: bool = False
    evidence: Evidence | None = None

    @property
    def right(self) -> bool:
        """Whether its best entry that is not an off-topic question is one it expects: what
        the calibration learns to tell (offering a wrong entry helps nobody either)."""
        best = next((c for c in self.ranked or () if not _is_offtopic(c.entry)), None)
        return bool(self.expected) and best is not None and best.entry.id in self.expected

    @property
    def fold(self) -> int:
        return zlib.crc32(self.group.encode()) % FOLDS


def questions() -> list[Question]:
    """The `tune` half of the real-wording set and the dev set; test lines are skipped
    before anything else is read from them."""
    found = []
    for line in (ROOT / "tests/data/real.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["split"] != "tune":
            continue
        found.append(Question(record["question"], _ids(record["expected"]), record["source"],
                              "tune"))  # fmt: skip
    dev = (ROOT / "tests/data/dev.jsonl").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(dev, 1):
        record = json.loads(line)
        found.append(Question(record["question"], _ids(record["expected"]), f"dev:{number}",
                              "dev"))  # fmt: skip
    return found


def _ids(expected: str | list[str] | None) -> tuple[str, ...] | None:
    if expected is None:
        return None
    return (expected,) if isinstance(expected, str) else tuple(expected)


def fold_knowledge(service: KnowledgeService, held: list[Question], cut: float) -> KnowledgeBase:
    """The knowledge base without what nearly copies the held-out questions."""
    normalize = service.normalizer.normalize
    asked = [normalize(q.text).text for q in held if q.expected]
    nulls = [normalize(q.text).text for q in held if not q.expected]

    def kept(texts: tuple[str, ...], against: list[str], floor: float) -> tuple[str, ...]:
        if not texts or not against:
            return texts
        ratios = process.cdist([normalize(t).text for t in texts], against,
                               scorer=fuzz.token_set_ratio)  # fmt: skip
        return tuple(t for t, row in zip(texts, ratios, strict=True) if row.max() < floor)

    kb = service.kb
    entries = {i: replace(e, variants=kept(e.variants, asked, 85)) for i, e in kb.entries.items()}
    return replace(kb, entries=entries, offtopic=kept(kb.offtopic, nulls, cut))


def gather(cut: float) -> list[Question]:
    """Every question matched by the matcher of the fold that held it out."""
    service = KnowledgeService()
    everything = questions()
    for fold in range(FOLDS):
        held = [q for q in everything if q.fold == fold]
        matcher = Matcher(fold_knowledge(service, held, cut), service.normalizer)
        for q in held:
            query = matcher.normalizer.normalize(q.text)
            words = matcher._query_words(query)  # the matcher's own steps, to re-decide later
            asked = matcher._asked(query, words) if words else None
            ranked = matcher._rank(asked, words) if asked else []
            reranking = matcher._reranking(asked, words, ranked) if len(ranked) > 1 else None
            q.ranked, chances = _ordered(ranked, reranking)
            q.vague = len(words) == 1 and words[0].known
            judgement = matcher._judge(asked, words, q.ranked, chances) if asked else None
            q.evidence = judgement.evidence if judgement else None
    return everything


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Logistic regression by Newton steps on standardised features; raw-unit weights back."""
    mean, spread = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.c_[np.ones(len(x)), (x - mean) / spread]
    w = np.zeros(z.shape[1])
    penalty = L2 * np.diag(np.r_[0.0, np.ones(z.shape[1] - 1)])
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
        w -= np.linalg.solve(hessian, gradient)
    weights = w[1:] / spread
    return weights, float(w[0] - (weights * mean).sum())


def features(q: Question) -> list[float]:
    return list(q.evidence.features()) if q.evidence else [0.0] * len(FEATURES)


def fit_calibration(qs: list[Question]) -> tuple[np.ndarray, float]:
    """The calibration's weights and bias fitted on the questions with evidence: whether
    their best entry is right (an off-topic question's never is)."""
    judged = [q for q in qs if q.evidence]
    return fit(np.array([features(q) for q in judged]),
               np.array([q.right for q in judged], dtype=float))  # fmt: skip


def confidences(qs: list[Question], model: tuple[np.ndarray, float] | None) -> np.ndarray:
    """Per question, the confidence (0–100) of the held-out fold's weights, or of `model`."""
    x = np.array([features(q) for q in qs])
    out = np.zeros(len(qs))
    for fold in range(FOLDS):
        weights, bias = model or fit_calibration([q for q in qs if q.fold != fold])
        held = np.array([q.fold == fold for q in qs])
        out[held] = 100 / (1 + np.exp(-(x[held] @ weights + bias)))
    return np.where([q.evidence is not None for q in qs], out, 0.0)


def figures(
    qs: list[Question], confidence: np.ndarray, thresholds: Thresholds,
    offtopic: np.ndarray | None = None,
) -> dict:
    """Top-1, answered wrongly and off-topic fallbacks per kind, as `troly06 eval` counts;
    `offtopic`: each question's off-topic probability (knowledge/offtopic_judgement.py)."""
    judge = Matcher.__new__(Matcher)  # only _decide is used: it reads the thresholds
    judge.thresholds = thresholds
    counts: dict[str, list[int]] = {}
    chances = np.zeros(len(qs)) if offtopic is None else offtopic
    for q, sure, chance in zip(qs, confidence, chances.tolist(), strict=True):
        judgement = Judgement(q.evidence, float(sure), ()) if q.evidence else None
        result = judge._decide(q.ranked, "", q.vague, lambda j=judgement: j,
                               lambda _, c=chance: OfftopicJudgement(c, np.zeros(0)))  # fmt: skip
        offered = [result.entry.id] if result.entry else [c.entry.id for c in result.suggestions]
        c = counts.setdefault(q.kind, [0, 0, 0, 0, 0])  # on-topic, top-1, wrong, off, fallback
        if q.expected:
            c[0] += 1
            c[1] += bool(offered) and offered[0] in q.expected
            c[2] += result.outcome == "answered" and offered[0] not in q.expected
        else:
            c[3] += 1
            c[4] += result.outcome == "fallback"
            c[2] += result.outcome == "answered"
    return {kind: (c[1] / c[0], c[2] / (c[0] + c[3]), c[4] / c[3]) for kind, c in counts.items()}


def main() -> None:
    base = Thresholds()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offtopic-cut", type=float, default=85.0)
    parser.add_argument("--suggest", type=float, nargs="+", default=[base.suggest])
    parser.add_argument("--confidence", type=float, nargs="+",
                        default=[0.0, 50.0, 80.0, base.confidence, 95.0])  # fmt: skip
    args = parser.parse_args()
    qs = gather(args.offtopic_cut)
    rows = [("today's weights", confidences(qs, (np.array(WEIGHTS), BIAS)))]
    rows.append(("refitted per fold", confidences(qs, None)))
    for label, sure in rows:
        for suggest in args.suggest:
            for floor in args.confidence:
                shown = figures(qs, sure, replace(base, suggest=suggest, confidence=floor))
                figures_line = "  ".join(f"{kind}: top-1 {t:.1%} wrong {w:.1%} off-topic {f:.1%}"
                                         for kind, (t, w, f) in shown.items())  # fmt: skip
                print(f"{label:18} suggest ≥ {suggest:3.0f} confidence ≥ {floor:3.0f}  "
                      + figures_line)


if __name__ == "__main__":
    main()
