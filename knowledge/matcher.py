"""Question matching: fast candidate retrieval, then rapidfuzz re-ranking, then an outcome.

Retrieval scores every entry by the inverse-document-frequency weight of the query words
it contains (an inverted index, so the cost grows with the query, not with the knowledge
base). Only the best few entries are compared phrasing by phrasing with rapidfuzz.

The final 0–100 score blends four signals, because each alone fails somewhere:
- similarity (rapidfuzz token-set ratio) to the closest phrasing of the entry;
- coverage: the share of the question's weighted content words the entry knows. Words no
  entry knows weigh against every entry, which is what makes "thời tiết hôm nay" fall back;
- phrasing coverage: the share of the closest phrasing's words the question contains,
  so one shared word ("tên" in "bạn tên gì") is not enough;
- evidence: how much rare, specific vocabulary matched in absolute terms, so a long,
  chatty question that names the key words still reaches the entry.
The weights and thresholds were chosen on the labelled dev set (tests/data/dev.jsonl)
with both halves of it checked separately.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from dataclasses import dataclass
from itertools import chain
from typing import Literal, NamedTuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from knowledge.memory import cyclic_gc_paused
from knowledge.model import Entry, KnowledgeBase
from knowledge.normalize import Normalized, Normalizer

Outcome = Literal["answered", "suggested", "fallback"]

RETRIEVAL_CANDIDATES = 12
BROAD_TOKEN_SHARE = 0.05  # a word in more entries than this only re-weights candidates
SIMILARITY_WEIGHT = 0.4
COVERAGE_WEIGHT = 0.2
PHRASING_COVERAGE_WEIGHT = 0.1
EVIDENCE_WEIGHT = 0.3
EVIDENCE_SCALE = 2.25  # matched weight, in rarest-word units, that gives ~63% evidence
ACCENT_PENALTY = 4.0  # per word whose typed diacritics disagree with the phrasing
MAX_ACCENT_PENALTY = 12.0
VAGUE_WORDS = 1
VAGUE_ALLOWANCE = 8.0
CORRECTED_WORD_CREDIT = 0.85  # a word matched only after typo correction counts a bit less


@dataclass(frozen=True)
class Thresholds:
    answer: float = 72.0
    suggest: float = 68.0
    margin: float = 4.0
    max_suggestions: int = 3


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float


@dataclass(frozen=True)
class MatchResult:
    outcome: Outcome
    entry: Entry | None
    score: float
    suggestions: tuple[Candidate, ...]
    normalized: str


class _Phrasing(NamedTuple):
    text: str
    words: Normalized  # folded tokens and the diacritics they were written with


@dataclass(frozen=True)
class _QueryWord:
    token: str  # as matched against the index (typo-corrected where needed)
    weight: float
    known: bool
    typed: str  # as the user wrote it (folded), which differs from `token` after a correction


def _word_uses(phrasings: list[_Phrasing]) -> Counter[str]:
    """How many of an entry's phrasings use each word."""
    return Counter(chain.from_iterable(set(p.words.tokens) for p in phrasings))


class Matcher:
    """An immutable index over one knowledge base; build a new one on reload."""

    def __init__(
        self, kb: KnowledgeBase, normalizer: Normalizer, thresholds: Thresholds | None = None
    ) -> None:
        self.kb = kb
        self.normalizer = normalizer
        self.thresholds = thresholds or Thresholds()
        with cyclic_gc_paused():
            self._entries = list(kb.entries.values())
            self._phrasings = [self._index_phrasings(e) for e in self._entries]
            self._texts = [[p.text for p in phrasings] for phrasings in self._phrasings]
            uses = [_word_uses(phrasings) for phrasings in self._phrasings]
            self._vocab_of = [
                self._entry_vocabulary(e, u) for e, u in zip(self._entries, uses, strict=True)
            ]
            self._postings = self._build_postings(uses)
            count = max(len(self._entries), 1)
            self._idf = {t: math.log(1 + count / len(p)) for t, p in self._postings.items()}
            self._unknown_weight = math.log(1 + count) + 1.0
            self._evidence_scale = EVIDENCE_SCALE * math.log(1 + count)
            self._broad = max(50, int(count * BROAD_TOKEN_SHARE))
            self._vocabulary = sorted(self._postings)
            self._holders = {  # broad words only: which entries use them, for set intersection
                token: frozenset(index for index, _ in postings)
                for token, postings in self._postings.items()
                if len(postings) > self._broad
            }
            self._spellings = self._spellings_seen()

    def match(self, text: str) -> MatchResult:
        """Match one question: answered, suggested (up to N candidates) or fallback."""
        query = self.normalizer.normalize(text)
        words = self._query_words(query)
        if not words:
            return MatchResult("fallback", None, 0.0, (), query.text)
        ranked = self._rank(query, words)
        vague = len(words) <= VAGUE_WORDS and all(w.known for w in words)
        return self._decide(ranked, query.text, vague)

    def _rank(self, query: Normalized, words: list[_QueryWord]) -> list[Candidate]:
        """Candidates best first, scored 0–100."""
        total = sum(w.weight for w in words)
        matched = {w.token for w in words if w.known}
        text = " ".join(self._corrected_tokens(query, words))
        typed = [(t, a) for t, a in zip(query.tokens, query.accents, strict=True) if a]
        ranked = []
        for index in self._retrieve(words):
            mass = self._coverage(index, words)
            evidence = 1 - math.exp(-mass / self._evidence_scale)
            closeness = self._closeness(index, text, typed, matched)
            score = closeness + 100 * (COVERAGE_WEIGHT * mass / total + EVIDENCE_WEIGHT * evidence)
            ranked.append(Candidate(self._entries[index], round(score, 1)))
        ranked.sort(key=lambda c: c.score, reverse=True)
        return ranked

    def _decide(self, ranked: list[Candidate], normalized: str, vague: bool) -> MatchResult:
        """A vague question (a single word we know, like "VNeID") says too little to be
        answered, and too much for "I don't know": it always gets suggestions."""
        limits = self.thresholds
        suggest = limits.suggest - (VAGUE_ALLOWANCE if vague else 0.0)
        if not ranked or ranked[0].score < suggest:
            top = ranked[0].score if ranked else 0.0
            return MatchResult("fallback", None, top, (), normalized)
        best = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        clear = best.score >= limits.answer and best.score - runner_up >= limits.margin
        if clear and not vague:
            return MatchResult("answered", best.entry, best.score, (), normalized)
        close = [c for c in ranked if c.score >= suggest][: limits.max_suggestions]
        return MatchResult("suggested", None, best.score, tuple(close), normalized)

    # --- indexing -------------------------------------------------------------------------

    def _index_phrasings(self, entry: Entry) -> list[_Phrasing]:
        normalize = self.normalizer.normalize
        return [_Phrasing(n.text, n) for n in map(normalize, dict.fromkeys(entry.phrasings))]

    def _entry_vocabulary(self, entry: Entry, uses: Counter[str]) -> frozenset[str]:
        tokens = set(uses)
        for keyword in entry.keywords:
            tokens.update(self.normalizer.normalize(keyword).tokens)
        return frozenset(tokens - self.normalizer.stopwords)

    def _build_postings(self, uses: list[Counter[str]]) -> dict[str, list[tuple[int, float]]]:
        """word -> (entry index, share of the entry's phrasings using the word), most
        central entries first, so that truncating a long list keeps the best ones."""
        postings: dict[str, list[tuple[int, float]]] = {}
        for index, vocab in enumerate(self._vocab_of):
            count = len(self._phrasings[index])
            for token in vocab:
                postings.setdefault(token, []).append((index, uses[index][token] / count))
        for entries in postings.values():
            entries.sort(key=lambda posting: posting[1], reverse=True)
        return postings

    def _spellings_seen(self) -> dict[str, frozenset[str]]:
        """Every accented spelling the knowledge base uses for each folded word."""
        pairs: set[tuple[str, str | None]] = set()
        for phrasings in self._phrasings:
            for phrasing in phrasings:
                pairs.update(zip(phrasing.words.tokens, phrasing.words.accents, strict=True))
        seen: dict[str, set[str]] = {}
        for token, accent in pairs:
            seen.setdefault(token, set()).add(accent or token)
        return {token: frozenset(accents) for token, accents in seen.items()}

    # --- querying -------------------------------------------------------------------------

    def _query_words(self, query: Normalized) -> list[_QueryWord]:
        """Content words with their weights; unknown words are typo-corrected if possible.

        A word typed with diacritics that the knowledge base never spells that way is a
        different word ("sổ đỏ" is not "do"), so it counts as unknown, not as a match.
        """
        words: dict[str, _QueryWord] = {}
        for token, accent in zip(query.tokens, query.accents, strict=True):
            spellings = self._spellings.get(token)
            foreign = accent is not None and spellings is not None and accent not in spellings
            if token in words or (token in self.normalizer.stopwords and not foreign):
                continue
            if foreign:
                words[token] = _QueryWord(token, self._unknown_weight, False, token)
            elif token in self._idf:
                words[token] = _QueryWord(token, self._idf[token], True, token)
            elif (correction := self._correct(token)) is not None:
                weight = self._idf[correction] * CORRECTED_WORD_CREDIT
                words[token] = _QueryWord(correction, weight, True, token)
            elif not token.isdigit():  # an ID or phone number says nothing about the topic
                weight = self._unknown_weight * (0.5 if len(token) <= 2 else 1.0)
                words[token] = _QueryWord(token, weight, False, token)
        return list(words.values())

    def _correct(self, token: str) -> str | None:
        """The known word one or two typos away, if any (longer words allow two)."""
        if len(token) < 4 or token.isdigit():
            return None
        allowed = 1 if len(token) < 7 else 2
        found = process.extractOne(
            token, self._vocabulary, scorer=Levenshtein.distance, score_cutoff=allowed
        )
        return found[0] if found else None

    def _corrected_tokens(self, query: Normalized, words: list[_QueryWord]) -> list[str]:
        """The query's tokens with typos replaced by the words they were corrected to."""
        fixes = {w.typed: w.token for w in words if w.typed != w.token}
        return [fixes.get(t, t) for t in query.tokens]

    def _retrieve(self, words: list[_QueryWord]) -> list[int]:
        """Entry indexes sharing the most (weighted) words with the query, best first.

        A word counts more in an entry where most phrasings use it. Rare words walk their
        posting lists; broad words (in many entries) only add to entries already found,
        so one common word cannot make the query cost O(entries).
        """
        scores: dict[int, float] = {}
        known = sorted((w for w in words if w.known), key=lambda w: w.weight, reverse=True)
        for word in known:
            postings = self._postings[word.token]
            weight = word.weight
            if len(postings) <= self._broad or not scores:
                for index, share in postings[: self._broad]:
                    scores[index] = scores.get(index, 0.0) + weight * (1 + share)
            else:
                for index in self._holders[word.token].intersection(scores):
                    scores[index] += weight
        return heapq.nlargest(RETRIEVAL_CANDIDATES, scores, key=scores.__getitem__)

    def _coverage(self, index: int, words: list[_QueryWord]) -> float:
        vocab = self._vocab_of[index]
        return sum(w.weight for w in words if w.known and w.token in vocab)

    def _phrasing_coverage(self, phrasing: _Phrasing, matched: set[str]) -> float:
        content = set(phrasing.words.tokens) - self.normalizer.stopwords
        total = sum(self._idf.get(t, 0.0) for t in content)
        found = sum(self._idf.get(t, 0.0) for t in content & matched)
        return found / total if total else 0.0

    def _closeness(
        self, index: int, text: str, typed: list[tuple[str, str]], matched: set[str]
    ) -> float:
        """Best blend of similarity and phrasing coverage over an entry's phrasings.

        rapidfuzz scores every phrasing in one call; the Python-side refinements (diacritic
        penalty, phrasing coverage) only run while a phrasing could still beat the best.
        """
        phrasings = self._phrasings[index]
        scored = process.extract(text, self._texts[index], scorer=fuzz.token_set_ratio,
                                 limit=None)  # fmt: skip
        best = 0.0
        for _, similarity, position in scored:  # most similar first
            if SIMILARITY_WEIGHT * similarity + PHRASING_COVERAGE_WEIGHT * 100 <= best:
                break
            phrasing = phrasings[position]
            similarity = max(0.0, similarity - self._accent_penalty(typed, phrasing))
            best = max(best, SIMILARITY_WEIGHT * similarity + PHRASING_COVERAGE_WEIGHT * 100
                       * self._phrasing_coverage(phrasing, matched))  # fmt: skip
        return best

    def _accent_penalty(self, typed: list[tuple[str, str]], phrasing: _Phrasing) -> float:
        """Points off for each word typed with diacritics the phrasing spells otherwise."""
        if not typed:
            return 0.0
        spelled: dict[str, set[str]] = {}
        for token, accent in zip(phrasing.words.tokens, phrasing.words.accents, strict=True):
            spelled.setdefault(token, set()).add(accent or token)
        mismatches = sum(1 for t, a in typed if t in spelled and a not in spelled[t])
        return min(MAX_ACCENT_PENALTY, ACCENT_PENALTY * mismatches)
