"""Typo correction through a deletion index (SymSpell's idea), not a vocabulary scan.

Two words within Levenshtein distance d share a string reachable from each by at most d
deletions. So the index keeps, for every known word, the hashes of its deletions (up to
two), and a typo looks up its own deletions: the few words found are then measured
exactly. The cost no longer grows with the vocabulary (tens of thousands of words in a
large knowledge base), and the hashes sit in two compact arrays instead of a dict of
strings.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from rapidfuzz.distance import Levenshtein

MAX_DISTANCE = 2


def deletions(word: str, distance: int) -> set[str]:
    """The word with up to `distance` characters removed (itself included)."""
    found = {word}
    frontier = {word}
    for _ in range(distance):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


class TypoIndex:
    """Known words, found from a typo by shared deletions."""

    def __init__(self, words: Iterable[str]) -> None:
        # Alphabetical, so that of two words equally close the first one wins.
        self._words = sorted(words)
        hashes: list[int] = []
        owners: list[int] = []
        for number, word in enumerate(self._words):
            found = deletions(word, MAX_DISTANCE)
            hashes.extend(map(hash, found))
            owners.extend([number] * len(found))
        keys = np.array(hashes, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._owners = np.array(owners, dtype=np.int32)[order]

    def nearest(self, token: str, allowed: int) -> str | None:
        """The closest known word at most `allowed` edits away (alphabetically first of
        equals), or None."""
        probes = np.array([hash(d) for d in deletions(token, allowed)], dtype=np.int64)
        starts = np.searchsorted(self._keys, probes, side="left")
        ends = np.searchsorted(self._keys, probes, side="right")
        numbers = np.unique(np.concatenate(
            [self._owners[s:e] for s, e in zip(starts, ends, strict=True)]))  # fmt: skip
        best, best_distance = None, allowed + 1
        for number in numbers.tolist():
            word = self._words[number]
            distance = Levenshtein.distance(token, word, score_cutoff=allowed)
            if distance < best_distance:
                best, best_distance = word, distance
        return best
