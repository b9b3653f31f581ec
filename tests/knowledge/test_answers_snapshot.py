"""Speed never buys a change in answers: the matcher's outcome, entry, score and suggestions
for every question of the dev and real-wording sets equal the committed snapshot.

A change meant to change answers regenerates the snapshot (see answers_snapshot.py)."""

from __future__ import annotations

from knowledge.service import KnowledgeService
from tests.knowledge.answers_snapshot import current_answers, read_snapshot


def differences(expected: list[dict], actual: list[dict]) -> list[str]:
    """One line per question answered differently (or missing on either side)."""
    before = {(row["set"], row["line"]): row for row in expected}
    after = {(row["set"], row["line"]): row for row in actual}
    lines = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old != new:
            lines.append(f"{key[0]}:{key[1]}: trước {old}\n    nay {new}")
    return lines


def test_every_labelled_question_gets_the_snapshot_answer(
    shipped_knowledge: KnowledgeService,
) -> None:
    changed = differences(read_snapshot(), current_answers(shipped_knowledge))
    assert not changed, (
        f"{len(changed)} câu trả lời khác ảnh chụp (nếu cố ý: "
        "python -m tests.knowledge.answers_snapshot)\n" + "\n".join(changed[:40]))
