"""The review of what the bot missed: group similar questions, show the likely entries.

Citizens who were not answered outright (a fallback, suggestions, or a 👎 on the answer)
ask the same things in many words. An admin reviews them a group at a time and either
attaches a group to an entry (its questions become that entry's variants) or marks it
off-topic (a negative example the matcher must not answer): see `knowledge.editing`.
Nothing changes without an admin. The CLI (`troly06 kb review`) and the web console are
thin layers over these functions; storage hands the questions in as plain `Missed` values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from knowledge.matcher import Matcher

SAME_GROUP_SIMILARITY = 80.0  # token-set ratio of two normalised questions in one group
CANDIDATES_SHOWN = 3
EXAMPLES_SHOWN = 3


@dataclass(frozen=True)
class Missed:
    """One question the bot did not serve well, redacted, as storage recorded it."""

    text: str
    normalized: str
    outcome: str  # "fallback", "suggested", or "answered" with a 👎
    picked_id: str | None = None  # the suggestion the citizen opened afterwards
    disliked_id: str | None = None  # the answer the citizen gave a 👎


@dataclass
class ReviewGroup:
    """Similar missed questions; `number` is stable for the same questions and order."""

    number: int
    questions: list[Missed] = field(default_factory=list)
    candidates: list[tuple[str, str]] = field(default_factory=list)  # (entry id, why)

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def examples(self) -> list[str]:
        """The distinct wordings, most frequent first."""
        counts = Counter(q.text for q in self.questions)
        return [text for text, _ in counts.most_common(EXAMPLES_SHOWN)]

    @property
    def texts(self) -> list[str]:
        """Every distinct wording, in the order first asked: what becomes variants."""
        return list(dict.fromkeys(q.text for q in self.questions))


def group_missed(questions: list[Missed], matcher: Matcher) -> list[ReviewGroup]:
    """Groups of similar questions, largest first, each with its likely entries."""
    groups: list[ReviewGroup] = []
    leaders: list[str] = []  # the normalised text that founded each group
    for question in sorted(questions, key=lambda q: q.normalized):
        found = process.extractOne(question.normalized, leaders, scorer=fuzz.token_set_ratio,
                                   score_cutoff=SAME_GROUP_SIMILARITY)  # fmt: skip
        if found is None:
            leaders.append(question.normalized)
            groups.append(ReviewGroup(0, [question]))
        else:
            groups[found[2]].questions.append(question)
    groups.sort(key=lambda g: (-g.count, g.examples[0]))
    for number, group in enumerate(groups, start=1):
        group.number = number
        group.candidates = _candidates(group, matcher)
    return groups


def _candidates(group: ReviewGroup, matcher: Matcher) -> list[tuple[str, str]]:
    """Entries citizens picked from the suggestions first, then the matcher's best."""
    found: dict[str, str] = {}
    picks = Counter(q.picked_id for q in group.questions if q.picked_id)
    for entry_id, times in picks.most_common():
        found[entry_id] = f"người dân đã chọn {times} lần"
    result = matcher.match(group.examples[0])
    for candidate in result.ranked:
        found.setdefault(candidate.entry.id, f"điểm {candidate.score:g}")
    disliked = {q.disliked_id for q in group.questions if q.disliked_id}
    kept = [(i, why) for i, why in found.items() if i not in disliked or i in picks]
    return kept[:CANDIDATES_SHOWN]
