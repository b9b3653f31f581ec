"""The matcher's answers to every labelled question, as committed in answers_snapshot.jsonl.

Regenerate it (only for a change MEANT to change answers: FAQ content, synonyms, labelled
questions, scoring; never for a speed change) and say in the commit what changed:

    .venv/bin/python -m tests.knowledge.answers_snapshot

A rebase conflict on the snapshot is resolved the same way: regenerate it after the rebase.
"""

from __future__ import annotations

import json
from pathlib import Path

from knowledge.evaluation import read_examples
from knowledge.matcher import MatchResult
from knowledge.service import KnowledgeService

DATA = Path(__file__).resolve().parents[1] / "data"
LABELLED_SETS = (DATA / "dev.jsonl", DATA / "real.jsonl")
SNAPSHOT = Path(__file__).with_name("answers_snapshot.jsonl")
SCORE_DECIMALS = 2


def answer_row(question: str, result: MatchResult) -> dict:
    """What a citizen would get for one question: outcome, entry, score and suggestions."""
    return {
        "question": question,
        "outcome": result.outcome,
        "entry": result.entry.id if result.entry else None,
        "top": result.ranked[0].entry.id if result.ranked else None,
        "score": round(result.score, SCORE_DECIMALS),
        "suggestions": [c.entry.id for c in result.suggestions],
    }


def current_answers(service: KnowledgeService) -> list[dict]:
    """The live matcher's rows, in the labelled sets' order (file name and line first)."""
    return [{"set": path.name, "line": example.line,
             **answer_row(example.question, service.match(example.question))}
            for path in LABELLED_SETS for example in read_examples(path)]  # fmt: skip


def read_snapshot(path: Path = SNAPSHOT) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def write_snapshot(rows: list[dict], path: Path = SNAPSHOT) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
                    encoding="utf-8")


if __name__ == "__main__":
    answers = current_answers(KnowledgeService())
    write_snapshot(answers)
    print(f"{SNAPSHOT}: {len(answers)} câu hỏi")
