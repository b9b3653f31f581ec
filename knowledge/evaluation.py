"""Measure the matcher on a labelled question set (one JSON object per line).

Each line is `{"question": "...", "expected": "<entry id>" | null}`; null means the
question is off-topic and must fall back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.matcher import MatchResult
from knowledge.service import KnowledgeService


class DatasetError(Exception):
    """A labelled set line is not usable; the message names file and line."""


@dataclass(frozen=True)
class Example:
    question: str
    expected: str | None
    line: int


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
    misses: list[tuple[Example, MatchResult]] = field(default_factory=list)

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
            f"câu hỏi đúng chủ đề: {self.on_topic}, ngoài chủ đề: {self.off_topic}\n"
            f"top-1 accuracy: {self.top1_accuracy:.1%}\n"
            f"top-3 recall: {self.top3_recall:.1%}\n"
            f"trả lời thẳng đúng: {self.answered_right_rate:.1%}\n"
            f"trả lời thẳng sai: {self.wrong_answer_rate:.1%}\n"
            f"off-topic fallback rate: {self.fallback_rate:.1%}"
        )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def read_examples(path: Path) -> list[Example]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            examples.append(Example(str(item["question"]), item["expected"], number))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DatasetError(
                f"{path}:{number}: cần một đối tượng JSON có 'question' và 'expected' ({exc})"
            ) from exc
    return examples


def evaluate(service: KnowledgeService, examples: list[Example]) -> Evaluation:
    result = Evaluation()
    for example in examples:
        match = service.match(example.question)
        answered = match.entry.id if match.outcome == "answered" and match.entry else None
        if example.expected is None:
            result.off_topic += 1
            result.off_topic_fallbacks += match.outcome == "fallback"
            result.answered_wrong += answered is not None
            if match.outcome != "fallback":
                result.misses.append((example, match))
            continue
        result.on_topic += 1
        offered = [answered] if answered else [c.entry.id for c in match.suggestions]
        result.top1 += offered[:1] == [example.expected]
        result.top3 += example.expected in offered[:3]
        result.answered_right += answered == example.expected
        result.answered_wrong += answered is not None and answered != example.expected
        if answered != example.expected:
            result.misses.append((example, match))
    return result
