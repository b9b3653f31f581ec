"""How common a word is in Vietnamese at large, from the `wordfreq` package's word list.

A citizen's long question is full of words our knowledge base never uses: place names,
everyday verbs, the story of their case. Those are not evidence that the question is off
topic; a word that is rare in Vietnamese and unknown to the knowledge base is. wordfreq
ships a frequency list for Vietnamese built from large public corpora, so this needs no
data of our own and no download at run time.
"""

from __future__ import annotations

from functools import lru_cache
from math import log10

from wordfreq import get_frequency_dict

from knowledge.normalize import word_forms

ZIPF_OFFSET = 9.0  # wordfreq's Zipf scale: log10 of frequency per billion words


class Commonness:
    """Zipf frequency (0 = unseen, 7 = the commonest words) by folded or accented form."""

    def __init__(self, frequencies: dict[str, float]) -> None:
        self._by_accent: dict[str, float] = {}
        self._by_fold: dict[str, float] = {}
        for word, frequency in frequencies.items():
            if not word.isalpha():
                continue
            zipf = _zipf(frequency)
            folded, accent = word_forms(word)
            if accent is not None:
                self._by_accent[accent] = max(zipf, self._by_accent.get(accent, 0.0))
            self._by_fold[folded] = max(zipf, self._by_fold.get(folded, 0.0))

    def zipf(self, token: str, accent: str | None) -> float:
        """A word typed with diacritics is looked up as typed; without, the commonest
        word that folds to it stands for it (the writer most likely meant that one)."""
        if accent is not None:
            return self._by_accent.get(accent, 0.0)
        return self._by_fold.get(token, 0.0)


def _zipf(frequency: float) -> float:
    return round(log10(frequency) + ZIPF_OFFSET, 2) if frequency > 0 else 0.0


@lru_cache(maxsize=1)
def vietnamese() -> Commonness:
    """The Vietnamese table, built once per process (about 10,000 words, a few ms)."""
    return Commonness(get_frequency_dict("vi", wordlist="small"))
