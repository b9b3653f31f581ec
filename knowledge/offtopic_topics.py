"""Questions marked off-topic, grouped by topic, so that a topic gathers evidence like an entry.

One off-topic question is one short phrasing: against an entry with dozens of phrasings it
loses on everything that counts an entry as a whole (how many of its phrasings share the
question's words, the TF-IDF cosine and BM25 of the entry as one document), so a citizen's
long question about land titles or social insurance reached one of our entries first. Grouped,
"Rút bảo hiểm xã hội một lần cần gì" and "Nghỉ việc bao lâu thì nhận tiền một lần" make one
off-topic "entry" that knows both. The groups are derived from the questions themselves (the
file keeps its format: one question a line, so `kb review`, `kb check` and the loader's
messages are unchanged): a question joins the first topic holding a question close enough to
it, or starts one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rapidfuzz import fuzz

# A question joins a topic holding one at least this close (rapidfuzz token-set ratio of the
# normalised texts). Chosen with benchmarks/reranking_cv.py (re-ranking and calibration refitted
# per fold, fallback_confidence 50), tune half top-1 / off-topic fallback: not grouped 82.1% /
# 86.5%; 80: 81.7 / 86.5; 70: 82.1 / 89.4; 65: 82.5 / 91.5; 60: 82.3 / 91.5 (groups of 45).
TOPIC_CLOSENESS = 65.0
# Only pairs sharing at least this share of the shorter text's words are compared with rapidfuzz,
# so the cost does not grow as (questions)² rapidfuzz calls. The 338 shipped questions make 65
# topics (63 comparing every pair). With every weight counting each question, as the matcher
# does: CV 82.5% / 89.4%.
SHARED_WORDS_FLOOR = 0.25


def topics(texts: Sequence[str], closeness: float = TOPIC_CLOSENESS) -> list[list[int]]:
    """The positions of `texts` (normalised questions) grouped by topic, in file order: each
    joins the topic of the first earlier question at least `closeness` close to it."""
    groups: list[list[int]] = []
    topic_of: list[int] = []
    for k, earlier in enumerate(_first_close(texts, closeness)):
        if earlier < 0:
            groups.append([])
        topic_of.append(topic_of[earlier] if earlier >= 0 else len(groups) - 1)
        groups[topic_of[k]].append(k)
    return groups


def _first_close(texts: Sequence[str], closeness: float) -> list[int]:
    """For each text, the first earlier text at least `closeness` close to it (-1: none).

    Earlier texts sharing words with it are found through a word -> texts index, so memory
    grows with the words, not with (questions)²: admins may mark thousands off-topic."""
    words = [set(text.split()) for text in texts]
    texts_with: dict[str, list[int]] = {}
    first = [-1] * len(texts)
    for k, used in enumerate(words):
        shared = Counter(j for word in used for j in texts_with.get(word, ()))
        for j in sorted(shared):
            if (
                shared[j] >= SHARED_WORDS_FLOOR * min(len(used), len(words[j]))
                and fuzz.token_set_ratio(texts[k], texts[j]) >= closeness
            ):
                first[k] = j
                break
        for word in used:
            texts_with.setdefault(word, []).append(k)
    return first
