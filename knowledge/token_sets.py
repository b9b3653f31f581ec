"""Upper bounds on rapidfuzz's `token_set_ratio` without calling it, from counts kept at
index time.

A question is compared with the ~300 phrasings of its candidates; calling rapidfuzz for
each was half of a query's CPU, though most phrasings cannot change which entries win.
`token_set_ratio` splits both texts into sets of words; its score is the best of three
ratios. Two of them depend only on the lengths of the shared and unshared words, so they
are computed exactly here. The third compares the sorted unshared words of each side by
their Indel distance, which is at least the difference in how many of each letter the two
sides hold (every letter one side has and the other lacks must be inserted or deleted).
So per phrasing a few counts suffice: its distinct words, their letters, and a histogram
of those letters (letters a–z, digits, anything else: merging letters into one bucket
only loosens the bound, never breaks it).
"""

from __future__ import annotations

import numpy as np

from knowledge.token_table import unique

BUCKETS = 28  # a–z, then one for digits, one for any other character
# The bound is computed in another order of operations than rapidfuzz's own arithmetic:
# a little headroom keeps it above the exact score despite the last bit of rounding.
HEADROOM = 1e-9
_BUCKET_OF = np.full(128, BUCKETS - 1, dtype=np.int64)
_BUCKET_OF[ord("a"):ord("z") + 1] = np.arange(26)
_BUCKET_OF[ord("0"):ord("9") + 1] = 26
_CHUNK = 20_000  # phrasings whose histograms are added at once (bounds the memory used)


def letter_histograms(words: list[str]) -> np.ndarray:
    """words × BUCKETS: how many characters of each kind each word holds."""
    codes = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
    buckets = _BUCKET_OF[np.minimum(codes, 127)]
    buckets[codes > 127] = BUCKETS - 1
    owner = np.repeat(np.arange(len(words), dtype=np.int64), list(map(len, words)))
    counts = np.bincount(owner * BUCKETS + buckets, minlength=len(words) * BUCKETS)
    return counts.reshape(len(words), BUCKETS)


class TokenSets:
    """Per text (phrasing): its distinct words and the counts that bound its
    `token_set_ratio` against any question. Texts are the word ids of a `TokenTable`
    (words separated by single spaces, as `Normalized.text` joins them)."""

    def __init__(self, word: np.ndarray, text_of: np.ndarray, text_count: int,
                 words: list[str], word_id: dict[str, int]) -> None:  # fmt: skip
        self._word_id = word_id
        histograms = letter_histograms(words)
        self._word_letters = histograms.sum(axis=1)
        size = max(len(words), 1)
        keys = unique(text_of * size + word)
        texts, distinct = keys // size, keys % size
        self._words = distinct.astype(np.int32)
        self._bounds = np.zeros(text_count + 1, dtype=np.int64)
        np.cumsum(np.bincount(texts, minlength=text_count), out=self._bounds[1:])
        self._sizes = np.diff(self._bounds)
        self._letters = np.bincount(texts, weights=self._word_letters[distinct],
                                    minlength=text_count).astype(np.int64)  # fmt: skip
        self._histograms = np.zeros((text_count, BUCKETS), dtype=np.int16)
        for start in range(0, text_count, _CHUNK):
            end = min(start + _CHUNK, text_count)
            first, last = self._bounds[start], self._bounds[end]
            used = np.flatnonzero(self._sizes[start:end]) + start
            if len(used):
                sums = np.add.reduceat(histograms[distinct[first:last]].astype(np.int16),
                                       self._bounds[used] - first)  # fmt: skip
                self._histograms[used] = sums

    def upper_bounds(self, question: list[str], texts: np.ndarray) -> np.ndarray:
        """For each text, a score `fuzz.token_set_ratio(" ".join(question), text)` cannot
        exceed (the exact score where the lengths alone decide it)."""
        asked = list(dict.fromkeys(question))
        if not asked or not len(texts):
            return np.zeros(len(texts))
        shared, shared_letters = self._shared(asked, texts)
        sizes = self._sizes[texts]
        n_ab = len(asked) - shared  # the question's words the text lacks
        n_ba = sizes - shared  # the text's words the question lacks
        spaces_ab, spaces_ba = np.maximum(n_ab - 1, 0), np.maximum(n_ba - 1, 0)
        ab_len = sum(map(len, asked)) - shared_letters + spaces_ab
        ba_len = self._letters[texts] - shared_letters + spaces_ba
        joined = shared > 0
        sect_len = shared_letters + np.maximum(shared - 1, 0)
        # Letters both unshared parts hold: the shared words' letters cancel out.
        histogram = letter_histograms(["".join(asked)])[0]
        common = np.minimum(self._histograms[texts], histogram).sum(axis=1) - shared_letters
        common = np.minimum(common + np.minimum(spaces_ab, spaces_ba),
                            np.minimum(ab_len, ba_len))  # fmt: skip
        lensum = 2 * (sect_len + joined) + ab_len + ba_len
        bound = 100 - 100 * (ab_len + ba_len - 2 * common) / np.maximum(lensum, 1)
        # Each side's words against the shared ones: exact, from the lengths.
        by_ab = 100 - 100 * (joined + ab_len) / np.maximum(2 * sect_len + joined + ab_len, 1)
        by_ba = 100 - 100 * (joined + ba_len) / np.maximum(2 * sect_len + joined + ba_len, 1)
        bound = np.where(joined, np.maximum(bound, np.maximum(by_ab, by_ba)), bound) + HEADROOM
        bound[joined & ((n_ab == 0) | (n_ba == 0))] = 100.0
        bound[sizes == 0] = 0.0
        return np.minimum(bound, 100.0)

    def _shared(self, asked: list[str], texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per text, how many of the question's distinct words it uses, and their letters."""
        starts, ends = self._bounds[texts], self._bounds[texts + 1]
        sizes = ends - starts
        where = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
        # A table of the question's words by word id (-1: not asked): one look-up per word
        # of the texts, instead of a search.
        slot = np.full(len(self._word_letters), -1, dtype=np.int16)
        known = [(self._word_id[w], len(w)) for w in asked if w in self._word_id]
        if not known:
            return np.zeros(len(texts), dtype=np.int64), np.zeros(len(texts), dtype=np.int64)
        ids, lengths = zip(*known, strict=True)
        slot[list(ids)] = np.arange(len(ids))
        found = slot[self._words[where]]
        hit = found >= 0
        owner = np.repeat(np.arange(len(texts)), sizes)[hit]
        return (np.bincount(owner, minlength=len(texts)),
                np.bincount(owner, weights=np.array(lengths)[found[hit]],
                            minlength=len(texts)).astype(np.int64))  # fmt: skip
