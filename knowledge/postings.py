"""Posting lists as flat numpy arrays: which entries use each term, and how centrally.

A knowledge base of 100,000 phrasings holds millions of (entry, term) pairs; as Python
lists of tuples and per-entry sets they took hundreds of megabytes and every query walked
them in the interpreter. Here all lists share two arrays (compressed sparse rows): one
ordered for walking (most central entries first), one ordered by entry so that "does entry
i use term t?" is a binary search for a whole batch of candidates at once.
"""

from __future__ import annotations

import numpy as np


class Postings:
    """term id -> (entry index, weight) pairs, built once from flat arrays of pairs."""

    def __init__(self, terms: np.ndarray, entries: np.ndarray, weights: np.ndarray,
                 term_count: int, entry_count: int) -> None:  # fmt: skip
        """`terms`, `entries`, `weights`: one element per pair, in any order."""
        self._entry_count = max(entry_count, 1)
        # Sorted keys term * entry_count + entry: one binary search answers "which of these
        # candidates use which of these terms" for a whole query at once.
        keys = terms * self._entry_count + entries
        by_key = np.argsort(keys, kind="stable")
        self._keys = keys[by_key]
        self._weights = weights[by_key].astype(np.float64)
        # Walking order: heaviest first, ties by entry (a truncated walk keeps the best).
        central = np.lexsort((entries, -weights, terms))
        self._walk_entries = entries[central].astype(np.int32)
        self._walk_weights = weights[central].astype(np.float64)
        self._offsets = np.zeros(term_count + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=term_count), out=self._offsets[1:])

    def sizes_of(self, terms: list[int]) -> list[int]:
        """How many entries use each term."""
        ids = np.asarray(terms, dtype=np.int64)
        return (self._offsets[ids + 1] - self._offsets[ids]).tolist()

    def sizes(self) -> np.ndarray:
        return np.diff(self._offsets)

    def entry_norms(self, term_weights: np.ndarray) -> np.ndarray:
        """Per entry, the Euclidean norm of its weights times each term's weight: the
        length of the entry as one document's vector, for cosines."""
        terms, entries = np.divmod(self._keys, self._entry_count)
        squares = (self._weights * term_weights[terms]) ** 2
        return np.sqrt(np.bincount(entries, weights=squares, minlength=self._entry_count))

    def walk(self, terms: list[int], limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each term in turn, the `limit` entries with the highest weights and those
        weights, concatenated; and how many each term gave."""
        ids = np.asarray(terms, dtype=np.int64)
        starts = self._offsets[ids]
        ends = np.minimum(self._offsets[ids + 1], starts + limit)
        sizes = ends - starts
        where = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
        return self._walk_entries[where], self._walk_weights[where], sizes

    def look_up(self, terms: list[int], candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """terms × candidates: whether each candidate entry uses each term, and its weight
        for it (0.0 where unused)."""
        found, where = self._find(terms, candidates)
        return found, np.where(found, self._weights[where], 0.0)

    def _find(self, terms: list[int], candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        probes = np.asarray(terms, dtype=np.int64)[:, None] * self._entry_count + candidates
        if not len(self._keys):
            return np.zeros(probes.shape, dtype=bool), np.zeros(probes.shape, dtype=np.int64)
        # Searched as they come: sorting the probes first (so that they fall near each other
        # in the big array) cost more than it saved, at 100,000 phrasings too.
        where = np.minimum(np.searchsorted(self._keys, probes), len(self._keys) - 1)
        return self._keys[where] == probes, where
