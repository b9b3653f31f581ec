"""Measure the matcher on a labelled question set (one JSON object per line).

Each line is `{"question": "...", "expected": "<entry id>" | ["<id>", ...] | null}`; null
means the question must fall back (off-topic, or a topic the knowledge base does not cover).
Several ids mean any of them is a right answer. Real-wording sets also carry `source` (the
page the wording came from), `split` (`tune` or `test`: thresholds may only be chosen on
`tune`, `test` is reported, never tuned on) and `style` (`real`, or `chat` for a chat-style
rewrite of a real question).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.matcher import MatchResult
from knowledge.service import KnowledgeService


class DatasetError(Exception):
    """A labelled set line is not usable; the message names file and line."""


@dataclass(frozen=True)
class Example:
    question: str
    expected: tuple[str, ...] | None
    line: int
    split: str = ""
    style: str = ""
    source: str = ""

    def accepts(self, entry_id: str | None) -> bool:
        return entry_id is not None and self.expected is not None and entry_id in self.expected


@dataclass(frozen=True)
class Miss:
    """A question handled wrongly, with where the right entry ranked and scored."""

    example: Example
    match: MatchResult
    rank: int | None  # 1-based rank of the best acceptable entry, None when not ranked
    score: float | None


@dataclass
class Evaluation:
    """Counts over a labelled set. `top1` is the first entry offered (answer or first
    suggestion) being right; `answered_right` / `answered_wrong` count confident answers."""

    on_topic: int = 0
    top1: int = 0
    top3: int = 0
    answered_right: int = 0
    answered_wrong: int = 0
    off_topic: int = 0
    off_topic_fallbacks: int = 0
    misses: list[Miss] = field(default_factory=list)

    @property
    def top1_accuracy(self) -> float:
        return _share(self.top1, self.on_topic)

    @property
    def top3_recall(self) -> float:
        return _share(self.top3, self.on_topic)

    @property
    def answered_right_rate(self) -> float:
        return _share(self.answered_right, self.on_topic)

    @property
    def wrong_answer_rate(self) -> float:
        """Confident answers with the wrong entry, over every question asked."""
        return _share(self.answered_wrong, self.on_topic + self.off_topic)

    @property
    def fallback_rate(self) -> float:
        return _share(self.off_topic_fallbacks, self.off_topic)

    def summary(self) -> str:
        return (
            f"câu hỏi đúng chủ đề: {self.on_topic}, phải từ chối: {self.off_topic}\n"
            f"top-1 đúng: {self.top1_accuracy:.1%}\n"
            f"top-3 có mục đúng: {self.top3_recall:.1%}\n"
            f"trả lời thẳng đúng: {self.answered_right_rate:.1%}\n"
            f"trả lời thẳng sai: {self.wrong_answer_rate:.1%}\n"
            f"từ chối đúng câu ngoài phạm vi: {self.fallback_rate:.1%}"
        )

    def add(self, example: Example, match: MatchResult) -> None:
        answered = match.entry.id if match.outcome == "answered" and match.entry else None
        if example.expected is None:
            self.off_topic += 1
            self.off_topic_fallbacks += match.outcome == "fallback"
            self.answered_wrong += answered is not None
            if match.outcome != "fallback":
                self.misses.append(Miss(example, match, None, None))
            return
        self.on_topic += 1
        offered = [answered] if answered else [c.entry.id for c in match.suggestions]
        self.top1 += example.accepts(offered[0] if offered else None)
        self.top3 += any(example.accepts(i) for i in offered[:3])
        self.answered_right += example.accepts(answered)
        self.answered_wrong += answered is not None and not example.accepts(answered)
        if not example.accepts(answered):
            rank, score = _rank_of_expected(example, match)
            self.misses.append(Miss(example, match, rank, score))


def _rank_of_expected(example: Example, match: MatchResult) -> tuple[int | None, float | None]:
    for rank, candidate in enumerate(match.ranked, start=1):
        if example.accepts(candidate.entry.id):
            return rank, candidate.score
    return None, None


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def read_examples(path: Path) -> list[Example]:
    """Every labelled line of a JSONL file; a broken line raises DatasetError naming it."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            examples.append(_example(item, number))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise DatasetError(
                f"{path}:{number}: cần một đối tượng JSON có 'question' và 'expected' ({exc})"
            ) from exc
    if not examples:
        raise DatasetError(f"{path}: không có câu hỏi nào để đánh giá (mỗi dòng một đối tượng "
                           "JSON có 'question' và 'expected')")
    return examples


def _example(item: dict, line: int) -> Example:
    expected = item["expected"]
    if isinstance(expected, str):
        expected = (expected,)
    elif expected is not None:
        if not expected or not all(isinstance(e, str) for e in expected):
            raise ValueError("'expected' phải là id, danh sách id hoặc null")
        expected = tuple(expected)
    return Example(str(item["question"]), expected, line, str(item.get("split", "")),
                   str(item.get("style", "")), str(item.get("source", "")))  # fmt: skip


def evaluate(service: KnowledgeService, examples: Iterable[Example]) -> Evaluation:
    result = Evaluation()
    for example in examples:
        result.add(example, service.match(example.question))
    return result


def evaluate_by_group(
    service: KnowledgeService, examples: list[Example]
) -> dict[str, Evaluation]:
    """One evaluation for the whole set, and one per split and style present in it
    ("tune", "test", "test/chat", ...), so the reported half is never mixed with the tuned."""
    groups: dict[str, Evaluation] = {"tất cả": Evaluation()}
    for example in examples:
        match = service.match(example.question)
        groups["tất cả"].add(example, match)
        for name in _group_names(example):
            groups.setdefault(name, Evaluation()).add(example, match)
    return groups


def _group_names(example: Example) -> list[str]:
    names = []
    if example.split:
        names.append(example.split)
        if example.style:
            names.append(f"{example.split}/{example.style}")
    return names
