"""Many normalised texts as flat arrays of word ids, so the index is built in bulk.

Indexing 100,000 phrasings and their answers walks millions of tokens; done word by word
in Python (content words, word pairs, counting which entry uses what) it took most of the
load. Here each token becomes a word id and an accent id once, through dictionaries in C,
and everything the index needs is worked out with numpy over whole arrays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain, pairwise

import numpy as np

from knowledge.normalize import Normalized, Normalizer, Numbering

WORD_SETS_AT_ONCE = 20_000  # texts whose word sets are worked out together


class Vocabulary:
    """Word ids and accent ids shared by every table of one index, with what is known of
    each word: whether it is made of letters, whether it may be a stopword."""

    def __init__(self, normalizer: Normalizer) -> None:
        self.normalizer = normalizer
        self.word_id = Numbering()
        self.words: list[str] = self.word_id.values
        self.accent_id = Numbering(None)
        self.accents: list[str | None] = self.accent_id.values
        self._alpha: list[bool] = []
        self._maybe_stopword: list[bool] = []

    def word_ids(self, tokens: Iterable[str], count: int) -> np.ndarray:
        return self.word_id.of(tokens, count)

    def accent_ids(self, accents: Iterable[str | None], count: int) -> np.ndarray:
        return self.accent_id.of(accents, count)

    def alpha(self) -> np.ndarray:
        self._alpha += map(str.isalpha, self.words[len(self._alpha):])
        return np.array(self._alpha, dtype=bool)

    def maybe_stopword(self) -> np.ndarray:
        self._maybe_stopword += (self.normalizer.is_stopword(word, None)
                                 for word in self.words[len(self._maybe_stopword):])  # fmt: skip
        return np.array(self._maybe_stopword, dtype=bool)

    def spelling(self, word: int, accent: int) -> str:
        """How the knowledge base writes a word: its accented form, or the folded word
        for "written without diacritics"."""
        return self.accents[accent] or self.words[word]


class TokenTable:
    """The tokens of some texts, flat: token p is word `word[p]` with accent `accent[p]`
    (0: typed without diacritics), in text `text_of[p]`.

    All three are int32 (a reload builds them beside the serving index: at 100,000
    phrasings they are millions of rows); products of them that can pass 2**31 (a text
    times the number of words) are worked out in int64, see `combined`."""

    def __init__(self, texts: Sequence[Normalized], vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.count = len(texts)
        lengths = np.fromiter((len(text.tokens) for text in texts), np.int64, len(texts))
        total = int(lengths.sum())
        # Numbered straight from the texts: no list of millions of tokens in between.
        self.word = vocabulary.word_ids(
            chain.from_iterable(text.tokens for text in texts), total)
        self.accent = vocabulary.accent_ids(
            chain.from_iterable(text.accents for text in texts), total)
        self.text_of = np.repeat(np.arange(len(texts), dtype=np.int32), lengths)

    def content_words(self) -> tuple[np.ndarray, np.ndarray]:
        """(text, word id) of each text's content words, once per text in the order
        written: `Normalizer.content_words` for every text at once."""
        vocabulary = self.vocabulary
        alpha = vocabulary.alpha()[self.word]
        maybe_stopword = vocabulary.maybe_stopword()[self.word]
        content = alpha & ~maybe_stopword
        # A stopword's folded form is a stopword only in the spellings the list gives
        # ("cần", not "căn"): decided once per spelling found.
        doubtful = np.flatnonzero(alpha & maybe_stopword)
        accent_count = len(vocabulary.accents)
        doubted = combined(self.word[doubtful], accent_count, self.accent[doubtful])
        spellings = unique(doubted.copy())  # sorted in place, and `doubted` is read below
        where = np.searchsorted(spellings, doubted)
        kept = np.array([not vocabulary.normalizer.is_stopword(
            vocabulary.words[key // accent_count], vocabulary.accents[key % accent_count])
            for key in spellings.tolist()], dtype=bool)  # fmt: skip
        content[doubtful] = kept[where]
        positions = np.flatnonzero(content)
        return _first_of_each(self.text_of[positions], self.word[positions],
                              len(vocabulary.words))  # fmt: skip

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(text, first word id * word count + second word id) of each text's adjacent
        pairs of words made of letters (see the matcher's `_pairs`), once per text."""
        alpha = self.vocabulary.alpha()[self.word]
        left = np.flatnonzero(alpha[:-1] & alpha[1:] & (self.text_of[:-1] == self.text_of[1:]))
        size = len(self.vocabulary.words)
        return _first_of_each(self.text_of[left],
                              combined(self.word[left], size, self.word[left + 1]), size * size)

    def word_sets(self) -> list[str]:
        """Each text's distinct words in string order, joined by spaces: what
        `" ".join(sorted(set(tokens)))` gives, for every text at once (per text, that was a
        tenth of loading 100,000 phrasings). Some texts at a time, so the keys they need
        never add much to a reload's peak."""
        words = self.vocabulary.words
        order = sorted(range(len(words)), key=words.__getitem__)
        rank = np.empty(len(words), dtype=np.int32)
        rank[order] = np.arange(len(words), dtype=np.int32)
        in_order = np.array([words[k] for k in order] or [""], dtype=object)
        sets: list[str] = []
        for first in range(0, self.count, WORD_SETS_AT_ONCE):
            last = min(first + WORD_SETS_AT_ONCE, self.count)
            start, end = np.searchsorted(self.text_of, [first, last]).tolist()
            keys = unique(combined(self.text_of[start:end], len(words), rank[self.word[start:end]]))
            ends = np.cumsum(np.bincount(keys // len(words) - first, minlength=last - first))
            flat = in_order[keys % len(words)].tolist()
            sets += [" ".join(flat[a:b]) for a, b in pairwise([0, *ends.tolist()])]
        return sets

    def spellings(self) -> np.ndarray:
        """(word id, accent id) of every spelling the texts use, once each."""
        accent_count = len(self.vocabulary.accents)
        keys = unique(combined(self.word, accent_count, self.accent))
        return np.stack((keys // accent_count, keys % accent_count), axis=1)


def combined(high: np.ndarray, size: int, low: np.ndarray) -> np.ndarray:
    """`high * size + low` as one new int64 array: ids are int32, and int32 times a Python
    int stays int32 in numpy 2 (wrapping around past 2**31); nor is a temporary made."""
    keys = np.multiply(high, size, dtype=np.int64)
    keys += low
    return keys


def unique(values: np.ndarray) -> np.ndarray:
    """`np.unique(values)`, by sorting: numpy 2.3+ answers a plain `np.unique` with a hash
    table that is 25-100 times slower than a sort on the millions of int64 keys of a large
    knowledge base (7 s instead of 0.07 s for 3 million here). `values` (every caller's
    own temporary keys) is sorted in place: a sorted copy beside it was a reload's peak."""
    values.sort()
    return values[_firsts(values)]


def unique_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values, return_counts=True)` with int32 counts, sorting `values` in place
    (numpy's sorts a copy: a reload builds this beside the serving index)."""
    values.sort()
    starts = np.flatnonzero(_firsts(values))
    return values[starts], np.diff(starts, append=len(values)).astype(np.int32)


def _firsts(ordered: np.ndarray) -> np.ndarray:
    """Whether each of the sorted values is the first of its run of equal values."""
    first = np.empty(len(ordered), dtype=bool)
    if len(ordered):
        first[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return first


def _first_of_each(texts: np.ndarray, keys: np.ndarray, key_count: int) -> tuple[np.ndarray,
                                                                                 np.ndarray]:
    """The (text, key) rows with the first occurrence of each key in its text, in order.

    The smallest position of each distinct row, found after an unstable sort (a quarter of
    the time of the stable one `np.unique(..., return_index=True)` makes)."""
    if not len(texts):
        return texts, keys
    rows = combined(texts, key_count, keys)
    order = np.argsort(rows)
    rows = rows[order]  # the unsorted rows freed at once
    starts = np.flatnonzero(_firsts(rows))
    first = np.minimum.reduceat(order, starts)
    first.sort()
    return texts[first], keys[first]
