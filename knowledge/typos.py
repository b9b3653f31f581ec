"""Typo correction through a deletion index (SymSpell's idea), not a vocabulary scan.

Two words within Levenshtein distance d share a string reachable from each by at most d
deletions. So the index keeps, for every known word, the keys of its deletions (up to
two), and a typo looks up its own deletions: the few words found are then measured
exactly. The cost no longer grows with the vocabulary (tens of thousands of words in a
large knowledge base), and the keys sit in two compact arrays instead of a dict of
strings.

A deletion's key is a polynomial hash of its characters, sum(code_k * BASE**k) modulo
2**64: the keys of all of a word's deletions follow from its prefix sums with numpy (the
index of 100,000 phrasings' words was built string by string, a tenth of a second per
10,000 words). Two strings sharing a key by chance only add a word to measure exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

import numpy as np
from rapidfuzz.distance import Levenshtein

MAX_DISTANCE = 2
BASE = 0x100000001B3  # odd, so it has an inverse modulo 2**64
_MODULUS = 1 << 64
_INVERSE = pow(BASE, -1, _MODULUS)


def deletions(word: str, distance: int) -> set[str]:
    """The word with up to `distance` characters removed (itself included)."""
    found = {word}
    frontier = {word}
    for _ in range(distance):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def key(text: str) -> int:
    """sum(code_k * BASE**k) modulo 2**64: the key of one string, as the index computes it."""
    total, power = 0, 1
    for char in text:
        total += ord(char) * power
        power = power * BASE % _MODULUS
    return total % _MODULUS


def deletion_keys(words: list[str], distance: int) -> tuple[np.ndarray, np.ndarray]:
    """(key, word number) of every string reachable from each word by at most `distance`
    (0 to 2) deletions, itself included, once per word; worked out for the words of each
    length at once from their prefix sums (wrapping uint64 arithmetic is modulo 2**64)."""
    lengths = np.fromiter(map(len, words), np.int64, len(words))
    codes = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    inverse, inverse_2 = np.uint64(_INVERSE), np.uint64(_INVERSE * _INVERSE % _MODULUS)
    keys, owners = [], []
    for length in sorted(set(lengths.tolist())):
        members = np.flatnonzero(lengths == length)
        powers = np.array([pow(BASE, k, _MODULUS) for k in range(length)], dtype=np.uint64)
        prefix = np.zeros((len(members), length + 1), dtype=np.uint64)
        np.cumsum(codes[starts[members, None] + np.arange(length)] * powers, axis=1,
                  out=prefix[:, 1:])  # fmt: skip
        whole = prefix[:, length]
        found = [whole]
        if distance >= 1:
            found += [prefix[:, i] + (whole - prefix[:, i + 1]) * inverse for i in range(length)]
        if distance >= 2:
            found += [prefix[:, i] + (prefix[:, j] - prefix[:, i + 1]) * inverse
                      + (whole - prefix[:, j + 1]) * inverse_2
                      for i, j in combinations(range(length), 2)]  # fmt: skip
        keys.append(np.stack(found, axis=1).reshape(-1))
        owners.append(np.repeat(members, len(found)))
    if not keys:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    key_of, owner = np.concatenate(keys), np.concatenate(owners)
    order = np.lexsort((owner, key_of))
    key_of, owner = key_of[order], owner[order]
    kept = np.ones(len(order), dtype=bool)
    kept[1:] = (key_of[1:] != key_of[:-1]) | (owner[1:] != owner[:-1])
    return key_of[kept], owner[kept]


class TypoIndex:
    """Known words, found from a typo by shared deletions."""

    def __init__(self, words: Iterable[str]) -> None:
        # Alphabetical, so that of two words equally close the first one wins.
        self._words = sorted(words)
        keys, owners = deletion_keys(self._words, MAX_DISTANCE)
        self._keys = keys
        self._owners = owners.astype(np.int32)

    def nearest(self, token: str, allowed: int) -> str | None:
        """The closest known word at most `allowed` edits away (alphabetically first of
        equals), or None."""
        probes = np.array([key(d) for d in deletions(token, allowed)], dtype=np.uint64)
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
