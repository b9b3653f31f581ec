"""Question matching: retrieval over every entry, rapidfuzz re-ranking, a calibrated outcome.

Retrieval scores every entry that shares a word or a word pair with the question, by the
inverse-document-frequency weight of what it shares (an inverted index, so the cost grows
with the question, not with the knowledge base). Word pairs ("căn cước", "lái xe") say far
more than their syllables; an entry's answer text counts too, at a lower weight.

The final 0–100 score blends four signals, because each alone fails somewhere:
- similarity (rapidfuzz token-set ratio) to the closest phrasing of the entry;
- coverage: the share of the question's weighted content words the entry knows. A word no
  entry knows weighs against every entry by how rare it is in Vietnamese at large: "thời
  tiết" barely counts (common words, a long question's story), a rare unknown word does;
- phrasing coverage: the share of the closest phrasing's words the question contains,
  so one shared word ("tên" in "bạn tên gì") is not enough;
- evidence: how much rare, specific vocabulary matched in absolute terms, so a long,
  chatty question that names the key words still reaches the entry.
Weights and thresholds were chosen on the `tune` half of the real-wording set
(tests/data/real.jsonl) and checked on the dev set; the `test` half is only reported.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date
from itertools import chain, pairwise
from typing import Literal, NamedTuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from knowledge.commonness import Commonness, vietnamese
from knowledge.memory import cyclic_gc_paused
from knowledge.model import Entry, KnowledgeBase
from knowledge.normalize import Normalized, Normalizer

Outcome = Literal["answered", "suggested", "fallback"]

BM25_K1 = 1.2  # how fast repeating a term in more phrasings stops adding to an entry's score
BM25_B = 0.5  # how much an entry that says a lot (many phrasings, many words) is discounted
MAX_CANDIDATES = 20  # entries re-ranked at most; retrieval already orders them
CANDIDATE_FLOOR = 0.25  # ... and only those within this share of the best retrieval score
BROAD_TOKEN_SHARE = 0.05  # a word in more entries than this only re-weights candidates
ANSWER_FIELD_WEIGHT = 0.3  # a word found only in an entry's answer, not its phrasings
PAIR_WEIGHT = 0.6  # a matched word pair adds this share of its weight to the evidence
SIMILARITY_WEIGHT = 0.4
COVERAGE_WEIGHT = 0.2
PHRASING_COVERAGE_WEIGHT = 0.1
CLOSENESS_MAX = 100 * (SIMILARITY_WEIGHT + PHRASING_COVERAGE_WEIGHT)
EVIDENCE_WEIGHT = 0.3
BM25_WEIGHT = 0.3  # points off, per share the entry's BM25 score falls short of the best
EVIDENCE_SCALE = 2.25  # matched weight, in rarest-word units, that gives ~63% evidence
VAGUE_WORDS = 1
VAGUE_ALLOWANCE = 8.0
CORRECTED_WORD_CREDIT = 0.85  # a word matched only after typo correction counts a bit less
# How much an unknown word weighs against every entry, by its Zipf frequency in Vietnamese:
# (at least this common, share of the full unknown-word weight), commonest first.
UNKNOWN_WORD_SHARE = ((5.0, 0.15), (4.0, 0.3), (3.0, 0.6), (0.0, 1.0))
RANKED_KEPT = 5  # candidates scored exactly and kept on a result (explanations, evaluation)


@dataclass(frozen=True)
class Thresholds:
    answer: float = 76.0
    suggest: float = 74.0
    margin: float = 6.0
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
    ranked: tuple[Candidate, ...] = ()  # the best candidates, whatever the outcome


class _Phrasing(NamedTuple):
    text: str
    words: Normalized  # folded tokens and the diacritics they were written with
    content: frozenset[str]  # its content words (stopwords and numbers left out)


@dataclass(frozen=True)
class _QueryWord:
    token: str  # as matched against the index (typo-corrected where needed)
    weight: float
    known: bool
    typed: str  # as the user wrote it (folded), which differs from `token` after a correction
    accent: str | None = None  # the diacritics typed, when they tell KB words apart


OFFTOPIC_ID = "~ngoai-pham-vi"  # not a valid entry id, so it never collides with one


def _offtopic_entry(question: str) -> Entry:
    """A question marked off-topic, as an entry with nothing to answer."""
    return Entry(OFFTOPIC_ID, "", question, (), "", (), date.min)


def _is_offtopic(entry: Entry) -> bool:
    return entry.id == OFFTOPIC_ID


def _pairs(tokens: tuple[str, ...]) -> set[str]:
    """Adjacent word pairs, the unit that carries Vietnamese meaning ("căn cước")."""
    return {f"{a} {b}" for a, b in pairwise(tokens) if a.isalpha() and b.isalpha()}


class Matcher:
    """An immutable index over one knowledge base; build a new one on reload."""

    def __init__(
        self,
        kb: KnowledgeBase,
        normalizer: Normalizer,
        thresholds: Thresholds | None = None,
        commonness: Commonness | None = None,
    ) -> None:
        self.kb = kb
        self.normalizer = normalizer
        self.thresholds = thresholds or Thresholds()
        self._commonness = commonness or vietnamese()
        with cyclic_gc_paused():
            # Questions marked off-topic are indexed like entries; one ranked first means
            # "not ours", and one close behind the best entry makes the answer less sure.
            self._entries = [*kb.entries.values(), *map(_offtopic_entry, kb.offtopic)]
            self._phrasings = [self._index_phrasings(e) for e in self._entries]
            self._texts = [[p.text for p in phrasings] for phrasings in self._phrasings]
            uses = [self._term_uses(e, p) for e, p in zip(self._entries, self._phrasings,
                                                             strict=True)]  # fmt: skip
            self._vocab_of = [frozenset(u) for u in uses]
            self._answer_vocab_of = [self._answer_terms(e) for e in self._entries]
            self._postings = self._build_postings(uses)
            count = max(len(self._entries), 1)
            self._idf = {t: math.log(1 + count / len(p)) for t, p in self._postings.items()}
            self._answer_idf = {t: math.log(1 + count / n)
                                for t, n in self._answer_counts().items()}  # fmt: skip
            self._content_totals = [[sum(self._idf.get(t, 0.0) for t in p.content)
                                     for p in phrasings] for phrasings in self._phrasings]
            self._unknown_weight = math.log(1 + count) + 1.0
            self._evidence_scale = EVIDENCE_SCALE * math.log(1 + count)
            self._broad = max(50, int(count * BROAD_TOKEN_SHARE))
            self._vocabulary = sorted(t for t in self._postings if " " not in t)
            self._holders = {  # broad words only: their entries, for set intersection
                token: dict(postings)
                for token, postings in self._postings.items()
                if len(postings) > self._broad
            }
            self._spellings = self._spellings_seen()
            self._spelled_in = [self._ambiguous_spellings(p) for p in self._phrasings]

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
        """The best candidates first, scored 0–100 (the top RANKED_KEPT exactly).

        The cheap part of the score (coverage, evidence, BM25) is worked out for every
        candidate; the phrasing-by-phrasing closeness (at most CLOSENESS_MAX points) only for
        those that could still enter the top RANKED_KEPT.
        """
        total = sum(w.weight for w in words)
        corrected = self._corrected_tokens(query, words)
        pairs = [p for p in _pairs(tuple(corrected)) if p in self._idf]
        matched = {w.token for w in words if w.known}
        text = " ".join(corrected)
        retrieved = self._retrieve(words, pairs)
        best_bm25 = max(retrieved.values(), default=1.0)
        partial = []
        for index, bm25 in retrieved.items():
            mass = self._coverage(index, words)
            pair_mass = sum(self._idf[p] for p in pairs if p in self._vocab_of[index])
            evidence = 1 - math.exp(-(mass + PAIR_WEIGHT * pair_mass) / self._evidence_scale)
            partial.append((100 * (COVERAGE_WEIGHT * mass / total + EVIDENCE_WEIGHT * evidence
                                   + BM25_WEIGHT * (bm25 / best_bm25 - 1)), index))  # fmt: skip
        partial.sort(reverse=True)
        kept: list[float] = []  # a min-heap of the best RANKED_KEPT full scores so far
        ranked = []
        for base, index in partial:
            if len(kept) == RANKED_KEPT and base + CLOSENESS_MAX <= kept[0]:
                break  # sorted by base: no later candidate can enter the top either
            score = max(0.0, min(base + self._closeness(index, text, matched), 100.0))
            ranked.append(Candidate(self._entries[index], round(score, 1)))
            if len(kept) < RANKED_KEPT:
                heapq.heappush(kept, score)
            else:
                heapq.heappushpop(kept, score)
        ranked.sort(key=lambda c: c.score, reverse=True)
        return ranked[:RANKED_KEPT]

    def _decide(self, ranked: list[Candidate], normalized: str, vague: bool) -> MatchResult:
        """A vague question (a single word we know, like "VNeID") says too little to be
        answered, and too much for "I don't know": it always gets suggestions."""
        limits = self.thresholds
        kept = tuple(c for c in ranked[:RANKED_KEPT] if not _is_offtopic(c.entry))
        suggest = limits.suggest - (VAGUE_ALLOWANCE if vague else 0.0)
        if not ranked or ranked[0].score < suggest or _is_offtopic(ranked[0].entry):
            top = ranked[0].score if ranked else 0.0
            return MatchResult("fallback", None, top, (), normalized, kept)
        best = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        clear = best.score >= limits.answer and best.score - runner_up >= limits.margin
        if clear and not vague:
            return MatchResult("answered", best.entry, best.score, (), normalized, kept)
        close = [c for c in kept if c.score >= suggest][: limits.max_suggestions]
        return MatchResult("suggested", None, best.score, tuple(close), normalized, kept)

    # --- indexing -------------------------------------------------------------------------

    def _content(self, words: Normalized) -> frozenset[str]:
        stop = self.normalizer.is_stopword
        return frozenset(t for t, a in zip(words.tokens, words.accents, strict=True)
                         if t.isalpha() and not stop(t, a))  # fmt: skip

    def _index_phrasings(self, entry: Entry) -> list[_Phrasing]:
        normalize = self.normalizer.normalize
        return [_Phrasing(n.text, n, self._content(n))
                for n in map(normalize, dict.fromkeys(entry.phrasings))]  # fmt: skip

    def _term_uses(self, entry: Entry, phrasings: list[_Phrasing]) -> Counter[str]:
        """How many of an entry's phrasings use each content word and word pair; keywords
        count as one phrasing each."""
        keywords = [self.normalizer.normalize(k) for k in entry.keywords]
        return Counter(chain.from_iterable(
            (*self._content(words), *_pairs(words.tokens))
            for words in chain((p.words for p in phrasings), keywords)))  # fmt: skip

    def _answer_terms(self, entry: Entry) -> frozenset[str]:
        return self._content(self.normalizer.normalize(entry.answer))

    def _build_postings(self, uses: list[Counter[str]]) -> dict[str, list[tuple[int, float]]]:
        """term -> (entry index, BM25 term saturation), most central entries first, so that
        truncating a long list keeps the best ones.

        BM25 counts how many of an entry's phrasings use a term, with diminishing returns,
        relative to how much the entry says overall: an entry with thirty phrasings on every
        subject (a "hub") does not win every question by knowing every word.
        """
        lengths = [sum(counts.values()) for counts in uses]
        average = sum(lengths) / max(len(lengths), 1) or 1.0
        postings: dict[str, list[tuple[int, float]]] = {}
        for index, counts in enumerate(uses):
            norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths[index] / average)
            for term, count in counts.items():
                postings.setdefault(term, []).append(
                    (index, count * (BM25_K1 + 1) / (count + norm)))
        for entries in postings.values():
            entries.sort(key=lambda posting: posting[1], reverse=True)
        return postings

    def _answer_counts(self) -> Counter[str]:
        """In how many entries' answers (and not phrasings) each term stands."""
        return Counter(chain.from_iterable(
            answer - vocab for answer, vocab in zip(self._answer_vocab_of, self._vocab_of,
                                                    strict=True)))  # fmt: skip

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

    def _ambiguous_spellings(self, phrasings: list[_Phrasing]) -> dict[str, frozenset[str]]:
        """How one entry spells the words the knowledge base spells in several ways
        ("đường" / "dương"), so typed diacritics can tell its words from another's."""
        spelled: dict[str, set[str]] = {}
        for phrasing in phrasings:
            for token, accent in zip(phrasing.words.tokens, phrasing.words.accents, strict=True):
                if len(self._spellings.get(token, ())) > 1:
                    spelled.setdefault(token, set()).add(accent or token)
        return {token: frozenset(accents) for token, accents in spelled.items()}

    # --- querying -------------------------------------------------------------------------

    def _query_words(self, query: Normalized) -> list[_QueryWord]:
        """Content words with their weights; unknown words are typo-corrected if possible.

        A word typed with diacritics that the knowledge base never spells that way is a
        different word ("sổ đỏ" is not "do"), so it counts as unknown, not as a match.
        Numbers (an ID, a date, a phone) say nothing about the topic and are left out.
        """
        words: dict[str, _QueryWord] = {}
        for token, accent in zip(query.tokens, query.accents, strict=True):
            if token in words or not token.isalpha():
                continue
            spellings = self._spellings.get(token)
            foreign = accent is not None and spellings is not None and accent not in spellings
            if self.normalizer.is_stopword(token, accent):
                continue
            if foreign:
                words[token] = _QueryWord(token, self._unknown(token, accent), False, token)
            elif token in self._idf:
                words[token] = _QueryWord(token, self._idf[token], True, token, accent)
            elif (correction := self._correct(token)) is not None:
                weight = self._idf[correction] * CORRECTED_WORD_CREDIT
                words[token] = _QueryWord(correction, weight, True, token)
            else:
                words[token] = _QueryWord(token, self._unknown(token, accent), False, token)
        return list(words.values())

    def _unknown(self, token: str, accent: str | None) -> float:
        """The weight of a word no entry knows: small for everyday Vietnamese, full for a
        word rare in the language (the mark of another topic)."""
        zipf = self._commonness.zipf(token, accent)
        share = next(s for floor, s in UNKNOWN_WORD_SHARE if zipf >= floor)
        return self._unknown_weight * share

    def _correct(self, token: str) -> str | None:
        """The known word one or two typos away, if any (longer words allow two)."""
        if len(token) < 4 or self._commonness.zipf(token, None) >= 4.0:
            return None  # a real everyday word is not a typo of ours
        allowed = 1 if len(token) < 7 else 2
        found = process.extractOne(
            token, self._vocabulary, scorer=Levenshtein.distance, score_cutoff=allowed
        )
        return found[0] if found else None

    def _corrected_tokens(self, query: Normalized, words: list[_QueryWord]) -> list[str]:
        """The query's tokens with typos replaced by the words they were corrected to."""
        fixes = {w.typed: w.token for w in words if w.typed != w.token}
        return [fixes.get(t, t) for t in query.tokens]

    def _retrieve(self, words: list[_QueryWord], pairs: list[str]) -> dict[int, float]:
        """BM25 scores of the entries sharing the most (weighted) words and pairs with the
        query, best first: every entry close enough to the best, not a fixed handful.

        A term counts more in an entry where more phrasings use it. Rare terms walk their
        posting lists; broad words (in many entries) and the answer text only add to the
        front runners, so common words cannot make the query cost O(entries).
        """
        scores: dict[int, float] = {}
        terms = [(w.token, w.weight) for w in words if w.known]
        terms += [(p, self._idf[p]) for p in pairs]
        terms.sort(key=lambda term: term[1], reverse=True)
        broad = []
        for token, weight in terms:
            postings = self._postings[token]
            if len(postings) > self._broad and scores:
                broad.append((token, weight))
                continue
            for index, saturation in postings[: self._broad]:
                scores[index] = scores.get(index, 0.0) + weight * saturation
        if not scores:
            return {}
        best = heapq.nlargest(2 * MAX_CANDIDATES, scores, key=scores.__getitem__)
        for token, weight in broad:  # common words only re-order the front runners
            holders = self._holders[token]
            for index in best:
                if index in holders:
                    scores[index] += weight * holders[index]
        asked = {t for t, _ in terms if t in self._answer_idf}
        for index in best:  # so does the answer text, a weaker field
            shared = self._answer_vocab_of[index].intersection(asked)
            scores[index] += ANSWER_FIELD_WEIGHT * sum(map(self._answer_idf.__getitem__, shared))
        best = heapq.nlargest(MAX_CANDIDATES, best, key=scores.__getitem__)
        floor = CANDIDATE_FLOOR * scores[best[0]]
        return {index: scores[index] for index in best if scores[index] >= floor}

    def _coverage(self, index: int, words: list[_QueryWord]) -> float:
        """The weight of the query words the entry knows (in its answer: partly). A word
        typed with diacritics the entry spells otherwise is another word."""
        vocab, answer, spelled = (self._vocab_of[index], self._answer_vocab_of[index],
                                  self._spelled_in[index])  # fmt: skip
        mass = 0.0
        for w in words:
            if not w.known or (w.accent and w.accent not in spelled.get(w.token, (w.accent,))):
                continue
            if w.token in vocab:
                mass += w.weight
            elif w.token in answer:
                mass += ANSWER_FIELD_WEIGHT * w.weight
        return mass

    def _closeness(self, index: int, text: str, matched: set[str]) -> float:
        """Best blend of similarity and phrasing coverage over an entry's phrasings.

        rapidfuzz scores every phrasing in one call; phrasing coverage is only worked out
        while a phrasing could still beat the best.
        """
        phrasings, totals = self._phrasings[index], self._content_totals[index]
        scored = process.extract(text, self._texts[index], scorer=fuzz.token_set_ratio,
                                 limit=None)  # fmt: skip
        best = 0.0
        for _, similarity, position in scored:  # most similar first
            if SIMILARITY_WEIGHT * similarity + PHRASING_COVERAGE_WEIGHT * 100 <= best:
                break
            content, total = phrasings[position].content, totals[position]
            found = sum(self._idf[t] for t in matched if t in content)
            coverage = found / total if total else 0.0
            best = max(best, SIMILARITY_WEIGHT * similarity
                       + PHRASING_COVERAGE_WEIGHT * 100 * coverage)  # fmt: skip
        return best
