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

from knowledge.token_table import combined, unique

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
                 words: list[str], word_id: dict[str, int],
                 content: tuple[np.ndarray, np.ndarray]) -> None:  # fmt: skip
        """`content`: (text, word id) of each text's content words (coverage counts them)."""
        self._word_id = word_id
        histograms = letter_histograms(words)
        self._word_letters = histograms.sum(axis=1)
        histograms = histograms.astype(np.int16)  # before a row per token is gathered
        size = max(len(words), 1)
        keys = unique(combined(text_of, size, word))
        self._content = _marked(keys, combined(content[0], size, content[1]))
        distinct = self._words = (keys % size).astype(np.int32)
        texts = np.floor_divide(keys, size, out=keys)  # in place: the keys are done with
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
                # Summed as int16, the type kept: numpy's default widened every gathered
                # row to int64 first (84 MB more at 100,000 phrasings, during a reload).
                sums = np.add.reduceat(histograms[distinct[first:last]],
                                       self._bounds[used] - first, dtype=np.int16)  # fmt: skip
                self._histograms[used] = sums

    def compare(
        self, question: list[str], matched: list[tuple[str, float]], texts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each text: a score `fuzz.token_set_ratio(" ".join(question), text)` cannot
        exceed (the exact score where the lengths alone decide it); and the weight of the
        `matched` (word, weight) pairs among its content words, added in `matched`'s order
        (so the sum is the same float whichever way it is computed)."""
        asked = list(dict.fromkeys(question))
        shared, shared_letters, found = self._shared(asked, matched, texts)
        if not asked or not len(texts):
            return np.zeros(len(texts)), found
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
        return np.minimum(bound, 100.0), found

    def _shared(
        self, asked: list[str], matched: list[tuple[str, float]], texts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per text: how many of the question's distinct words it uses, their letters, and
        the weight of the matched words among its content words."""
        count = len(texts)
        sizes = self._sizes[texts]
        where = ranges(self._bounds[texts], self._bounds[texts] + sizes)
        # A table of the question's words by word id (-1: not asked): one look-up per word
        # of the texts, instead of a search. Matched words come first, in their order.
        looked = list(dict.fromkeys([w for w, _ in matched] + asked))
        known = [(self._word_id[w], k) for k, w in enumerate(looked) if w in self._word_id]
        if not known:
            return np.zeros(count), np.zeros(count), np.zeros(count)
        slot = np.full(len(self._word_letters), -1, dtype=np.int16)
        ids, numbers = zip(*known, strict=True)
        slot[list(ids)] = numbers
        found = slot[self._words[where]]
        hit = np.flatnonzero(found >= 0)
        owner = np.repeat(np.arange(count), sizes)[hit]
        number = found[hit]
        question = set(asked)
        in_question = np.array([w in question for w in looked])[number]
        letters = np.array(list(map(len, looked)), dtype=np.float64)[number]
        counted = (number < len(matched)) & self._content[where[hit]]
        # Sorted by text, then by the matched words' order: bincount adds in that order.
        order = np.argsort(owner[counted] * len(looked) + number[counted], kind="stable")
        weights = np.array([weight for _, weight in matched] or [0.0])
        return (np.bincount(owner[in_question], minlength=count),
                np.bincount(owner[in_question], weights=letters[in_question], minlength=count),
                np.bincount(owner[counted][order], weights=weights[number[counted][order]],
                            minlength=count))  # fmt: skip


def ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The integers of every range [starts[i], ends[i]), concatenated."""
    sizes = ends - starts
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(sizes)[:-1])), sizes)
    return offsets + np.arange(int(sizes.sum()))


def _marked(ordered: np.ndarray, probes: np.ndarray) -> np.ndarray:
    """Whether each of the sorted values is one of the probes."""
    size = len(ordered)
    flags = np.zeros(size, dtype=bool)
    if len(probes) and size:
        where = np.minimum(np.searchsorted(ordered, probes), size - 1)
        flags[where[ordered[where] == probes]] = True
    return flags
