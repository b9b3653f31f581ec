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
Whether the best entry is offered at all is then the calibration's call
(knowledge/calibration.py): a high score on everyday words alone is not enough.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, islice, pairwise
from typing import Literal, NamedTuple

import numpy as np
from rapidfuzz import fuzz, process

from knowledge.calibration import Evidence, Judgement, judge, key_term_share, key_terms
from knowledge.commonness import Commonness, vietnamese
from knowledge.memory import cyclic_gc_paused
from knowledge.model import Entry, KnowledgeBase
from knowledge.normalize import Normalized, Normalizer
from knowledge.offtopic_judgement import OfftopicJudgement, judge_offtopic, offtopic_features
from knowledge.offtopic_topics import topics
from knowledge.postings import Postings
from knowledge.reranking import (
    ASKED,
    Reranking,
    asked_alike_and_other,
    asked_kinds,
    cosines,
    rerank,
)
from knowledge.token_sets import TokenSets, ranges
from knowledge.token_table import TokenTable, Vocabulary, combined, unique, unique_counts
from knowledge.typos import TypoIndex

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
    answer: float = 78.0
    suggest: float = 70.0
    margin: float = 10.0
    max_suggestions: int = 3
    confidence: float = 35.0  # 0–100: below it the bot falls back whatever the score
    offtopic: float = 30.0  # 0–100: an off-topic probability at or above it falls back too


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
    # 0–100, that the best entry is the topic asked about; None: the score alone decided
    confidence: float | None = None
    offtopic: float | None = None  # 0–100, that the question is not ours; None: not asked


@dataclass(frozen=True)
class Signals:
    """Why a candidate scored what it did: each signal of the score, and its points."""

    similarity: float  # 0–100, rapidfuzz's token-set ratio to the closest phrasing
    coverage: float  # 0–1, share of the question's weighted words the entry knows
    phrasing_coverage: float  # 0–1, share of the closest phrasing's words in the question
    evidence: float  # 0–1, how much rare, specific vocabulary matched
    bm25_share: float  # 0–1, the entry's retrieval score over the best candidate's
    points: tuple[tuple[str, float], ...]  # (signal, points it added or took off)


@dataclass(frozen=True)
class CandidateExplanation:
    candidate: Candidate
    closest: str  # the entry's phrasing closest to the question
    # Words as the matcher compares them: folded (no diacritics), synonyms replaced.
    words: tuple[str, ...]  # question words the entry's phrasings or keywords use
    answer_words: tuple[str, ...]  # question words found only in its answer (count less)
    pairs: tuple[str, ...]  # word pairs of the question the entry uses ("căn cước")
    signals: Signals
    # What put it in its place (knowledge/reranking.py): (feature, value, score it added).
    reranking: tuple[tuple[str, float, float], ...] = ()


@dataclass(frozen=True)
class Explanation:
    """A match with its reasons, for admins trying questions before publishing."""

    result: MatchResult
    weights: tuple[tuple[str, float], ...]  # the question's content words and their weight
    unknown: tuple[str, ...]  # words no entry knows: they weigh against every entry
    corrected: tuple[tuple[str, str], ...]  # (as typed, the known word it was read as)
    candidates: tuple[CandidateExplanation, ...]
    judgement: Judgement | None = None  # the confidence in the best entry, and why
    offtopic: OfftopicJudgement | None = None  # that the question is not ours, and why


class _Scored(NamedTuple):
    """Some candidates' phrasings (entry after entry, candidate k's from `starts[k]`) as
    closeness met them: each one's coverage points, a bound on its blend, and its
    similarity where rapidfuzz was asked (NaN elsewhere). The re-ranking looks for the
    same candidates' closest phrasings: it starts from these instead of again."""

    candidates: np.ndarray
    phrasings: np.ndarray
    starts: np.ndarray
    coverage: np.ndarray
    covered: np.ndarray
    bound: np.ndarray
    similarity: np.ndarray

    def of(self, candidates: np.ndarray) -> _Scored | None:
        """The same, for some of these candidates in the order given (None if one is
        not among them)."""
        place = {index: k for k, index in enumerate(self.candidates.tolist())}
        if any(index not in place for index in candidates.tolist()):
            return None
        at = np.array([place[index] for index in candidates.tolist()], dtype=np.int64)
        ends = np.append(self.starts[1:], len(self.phrasings))
        where = ranges(self.starts[at], ends[at])
        sizes = ends[at] - self.starts[at]
        return _Scored(candidates, self.phrasings[where],
                       np.concatenate(([0], np.cumsum(sizes)[:-1])), self.coverage[where],
                       self.covered[where], self.bound[where], self.similarity[where])  # fmt: skip


class _Terms(NamedTuple):
    """A question's terms, worked out once for every step: its known words (in the order
    asked) then its known word pairs; per term its id, weight (a pair's: its idf) and the
    id of the same word among answer words (-1: none, and for pairs)."""

    ids: list[int]
    weights: list[float]
    tokens: list[str]
    answer_ids: list[int]
    known: int  # how many of them are words; the rest are pairs


class _Front(NamedTuple):
    """Retrieval's front runners and the question's terms in each, looked up once in the
    postings: every later step reads rows (terms, in `_Terms`' order) and columns
    (candidates, all of them front runners) of these small tables."""

    entries: np.ndarray  # the front runners, column by column
    column: np.ndarray  # per entry, its column (-1: not a front runner)
    used: np.ndarray  # terms × front runners: its phrasings or keywords use the term
    saturation: np.ndarray  # ... its BM25 weight for the term (0.0: unused)
    in_answer: np.ndarray  # ... its answer uses the word

    def columns(self, candidates: np.ndarray) -> np.ndarray:
        return self.column[candidates]

    @staticmethod
    def of(table: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """Some columns of a table, laid out row by row: numpy's `table[:, columns]` is
        not, and a dot product with it then adds in another order (the last bit differs)."""
        return np.take(table, columns, axis=1)


@dataclass
class _Seen:
    """What a question's steps worked out that later steps would otherwise work out
    again, each set by the step that finds it."""

    front: _Front | None = None  # retrieval's front runners
    scored: _Scored | None = None  # closeness's phrasings
    masses: np.ndarray | None = None  # `_coverages`, per front runner
    retrieved: dict[int, float] = field(default_factory=dict)  # `_retrieve`'s scores


class _Asked(NamedTuple):
    """What a question brings to every candidate's score; and, as the question's steps
    work them out, what later steps would otherwise work out again."""

    total: float  # the weight of all its content words
    pairs: list[str]  # its known word pairs
    matched: list[tuple[str, float]]  # its known words and their weights
    text: str  # its normalized text with typos corrected
    terms: _Terms
    seen: _Seen


class _Bases(NamedTuple):
    """The cheap part of some candidates' scores, signal by signal (one value per
    candidate, as numpy arrays: the signals are worked out for all of them at once)."""

    mass: np.ndarray
    evidence: np.ndarray
    coverage_points: np.ndarray
    evidence_points: np.ndarray
    bm25_points: np.ndarray

    @property
    def points(self) -> np.ndarray:
        return 100 * (self.coverage_points + self.evidence_points + self.bm25_points)


class _Blends(NamedTuple):
    """Per phrasing of some candidates (entry after entry): its similarity to the question,
    its phrasing coverage and their blend; `starts[k]` is candidate k's first phrasing."""

    similarity: np.ndarray
    coverage: np.ndarray
    blend: np.ndarray
    starts: np.ndarray


@dataclass(frozen=True)
class _QueryWord:
    token: str  # as matched against the index (typo-corrected where needed)
    weight: float
    known: bool
    typed: str  # as the user wrote it (folded), which differs from `token` after a correction
    accent: str | None = None  # the diacritics typed, when they tell KB words apart


OFFTOPIC_ID = "~ngoai-pham-vi"  # not a valid entry id, so it never collides with one


def _offtopic_entry(questions: list[str]) -> Entry:
    """Questions marked off-topic on one topic, as an entry with nothing to answer."""
    return Entry(OFFTOPIC_ID, "", questions[0], tuple(questions[1:]), "", (), date.min)


def _is_offtopic(entry: Entry) -> bool:
    return entry.id == OFFTOPIC_ID


def _pairs(tokens: tuple[str, ...]) -> list[str]:
    """Adjacent word pairs, the unit that carries Vietnamese meaning ("căn cước"), once
    each in the order written (so sums over them are the same in every process)."""
    return list(dict.fromkeys(f"{a} {b}" for a, b in pairwise(tokens)
                              if a.isalpha() and b.isalpha()))  # fmt: skip


def _put(rows: np.ndarray, end: int, part: np.ndarray) -> int:
    """Write `part` into `rows` from `end` on; where the next part goes."""
    rows[end : end + len(part)] = part
    return end + len(part)


def _normalized_each(normalizer: Normalizer, texts: list[Sequence[str]]) -> list[list[Normalized]]:
    """Each group of texts normalised, all of them in one bulk call."""
    flat = iter(normalizer.normalize_many(chain.from_iterable(texts)))
    return [list(islice(flat, len(group))) for group in texts]


class _Words(NamedTuple):
    """Some texts' tokens, the entry each text belongs to, and their content words as
    (text, word id) rows."""

    table: TokenTable
    owner: np.ndarray
    content: tuple[np.ndarray, np.ndarray]

    @classmethod
    def of(cls, texts: list[list[Normalized]], vocabulary: Vocabulary) -> _Words:
        """The texts of each entry in turn."""
        table = TokenTable(list(chain.from_iterable(texts)), vocabulary)
        owner = np.repeat(np.arange(len(texts), dtype=np.int64), list(map(len, texts)))
        return cls(table, owner, table.content_words())


class _Uses(NamedTuple):
    """Which entry uses which term in how many phrasings: rows sorted by `keys` (entry *
    term_count + term); and the term of each word id (-1: no term). Each row's entry and
    term are worked out from its key where read, not kept: at 100,000 phrasings the rows
    are millions, built while the old index still serves (a reload's peak)."""

    keys: np.ndarray
    counts: np.ndarray
    term_count: int
    term_of_word: np.ndarray

    def entries_and_terms(self) -> tuple[np.ndarray, np.ndarray]:
        return np.divmod(self.keys, self.term_count)


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
            self._entries = [*kb.entries.values(), *self._offtopic_topics(kb.offtopic)]
            normalized = _normalized_each(normalizer, [list(dict.fromkeys(e.phrasings))
                                                       for e in self._entries])  # fmt: skip
            vocabulary = Vocabulary(normalizer)
            phrasings = _Words.of(normalized, vocabulary)
            keywords = _Words.of(_normalized_each(normalizer, [e.keywords for e in self._entries]),
                                 vocabulary)  # fmt: skip
            answers = _Words.of(_normalized_each(normalizer, [[e.answer] for e in self._entries]),
                                vocabulary)  # fmt: skip
            # Weights count every off-topic question, grouped or not: grouping them by topic
            # must not make every word of ours look commoner.
            count = max(len(kb.entries) + len(kb.offtopic), 1)
            # Each table is dropped as soon as the last step that reads it is done: a reload
            # builds all of this while the old index still serves, so its peak is what the
            # reload costs in memory.
            uses = self._term_uses(phrasings, keywords)
            del keywords
            self._postings = self._build_postings(uses)
            self._idf = [math.log(1 + count / size) for size in self._postings.sizes().tolist()]
            self._idf_array = np.array(self._idf, dtype=np.float64)
            self._entry_norms = self._postings.entry_norms(self._idf_array)
            self._build_answer_index(answers, uses, count)
            del answers
            self._index_phrasings(normalized, phrasings, uses.term_of_word)
            real = len(kb.entries)  # the off-topic questions come after the entries
            sizes = [len(n) + len(e.keywords) for e, n in zip(self._entries, normalized,
                                                                strict=True)]  # fmt: skip
            self._key_terms = key_terms(self._uses_by_entry(uses, real), sizes[:real],
                                        self._term_id, self._idf)  # fmt: skip
            self._offtopic_only = self._offtopic_terms(uses, real)
            self._asked_kind, self._asked_shares = self._asked_shares_of(uses, sizes)
            del uses
            self._token_sets = TokenSets(phrasings.table.word, phrasings.table.text_of,
                                         phrasings.table.count, vocabulary.words,
                                         dict(vocabulary.word_id), phrasings.content)  # fmt: skip
            self._position = {entry_id: i for i, entry_id in enumerate(kb.entries)}
            self._index_of = {id(entry): i for i, entry in enumerate(self._entries)}
            self._unknown_weight = math.log(1 + count) + 1.0
            self._evidence_scale = EVIDENCE_SCALE * math.log(1 + count)
            self._broad = max(50, int(count * BROAD_TOKEN_SHARE))
            self._typos = TypoIndex(t for t in self._term_id if " " not in t)
            self._spellings = self._spellings_seen(phrasings)
            self._spellers = self._ambiguous_spellers(phrasings)
            self._otherwise: dict[tuple[str, str | None], np.ndarray] = {}

    def match(self, text: str) -> MatchResult:
        """Match one question: answered, suggested (up to N candidates) or fallback."""
        query = self.normalizer.normalize(text)
        words = self._query_words(query)
        if not words:
            return MatchResult("fallback", None, 0.0, (), query.text)
        asked = self._asked(query, words)
        ranked = self._rank(asked, words)
        reranking = self._reranking(asked, words, ranked) if len(ranked) > 1 else None
        ordered, chances = _ordered(ranked, reranking)
        vague = len(words) <= VAGUE_WORDS and all(w.known for w in words)
        return self._decide(ordered, query.text, vague,
                            lambda: self._judge(asked, words, ordered, chances),
                            lambda judgement: self._offtopic(asked, words, ranked, reranking,
                                                             judgement))  # fmt: skip

    def _judge(
        self, asked: _Asked, words: list[_QueryWord], ranked: list[Candidate],
        chances: np.ndarray,
    ) -> Judgement | None:
        """The calibration's verdict on the best entry that is not an off-topic question;
        `chances` are the re-ranking's probabilities of the ranked candidates."""
        place = next((k for k, c in enumerate(ranked) if not _is_offtopic(c.entry)), None)
        if place is None:
            return None
        best = ranked[place]
        rival = max((c.score for k, c in enumerate(ranked) if k != place), default=0.0)
        index = self._position[best.entry.id]
        terms, front = asked.terms, asked.seen.front
        candidate = np.array([index], dtype=np.int64)
        used = front.used[:, front.column[index]].tolist()
        pairs = sum(used[terms.known:])
        rarest = min((self._commonness.zipf(token, None)
                      for token, hit in zip(terms.tokens, used[:terms.known], strict=True)
                      if hit), default=7.0)  # fmt: skip
        offtopic = max((c.score for c in ranked if _is_offtopic(c.entry)), default=0.0)
        return judge(Evidence(best.score,
                              self._coverages(candidate, words, asked)[0] / asked.total,
                              pairs, key_term_share(self._key_terms[index], set(terms.ids)),
                              rarest, offtopic, float(chances[place]),
                              best.score - rival))  # fmt: skip

    def _offtopic(
        self, asked: _Asked, words: list[_QueryWord], ranked: list[Candidate],
        reranking: Reranking | None, judgement: Judgement,
    ) -> OfftopicJudgement:
        """The probability that the question is not ours (knowledge/offtopic_judgement.py),
        from the candidates in the matcher's order with their re-ranking and the
        calibration's verdict on the best entry."""
        topic = np.array([_is_offtopic(c.entry) for c in ranked])
        return judge_offtopic(offtopic_features(
            topic, reranking, judgement.confidence, judgement.evidence.coverage,
            self._foreign(asked, words)))

    def _foreign(
        self, asked: _Asked, words: list[_QueryWord]
    ) -> tuple[float, float, float, float]:
        """Shares of the question that are not ours, whatever ranked: of its weight, in
        words no entry knows that are rare in Vietnamese (given an unknown word's full
        weight, UNKNOWN_WORD_SHARE) and in words only off-topic questions use; of its word
        pairs' weight, in pairs only they use ("sử dụng đất", "trái tuyến"); and the best
        off-topic topic's retrieval score over the best's (0: none retrieved)."""
        total = asked.total or 1.0
        rare = sum(w.weight for w in words if not w.known and w.weight >= self._unknown_weight)
        known = asked.terms.known
        weights = np.array(asked.terms.weights, dtype=np.float64)
        theirs = np.where(self._offtopic_only[asked.terms.ids], weights, 0.0)
        pairs = weights[known:]
        retrieved = asked.seen.retrieved
        real = len(self.kb.entries)  # the off-topic topics come after the entries
        topic = max((score for index, score in retrieved.items() if index >= real), default=0.0)
        return (rare / total, float(theirs[:known].sum()) / total,
                float(theirs[known:].sum()) / (float(pairs.sum()) or 1.0),
                topic / max(retrieved.values(), default=1.0))  # fmt: skip

    def _rank(self, asked: _Asked, words: list[_QueryWord]) -> list[Candidate]:
        """The best candidates first, scored 0–100 (the top RANKED_KEPT exactly).

        The cheap part of the score (coverage, evidence, BM25) is worked out for every
        candidate at once; closeness (at most CLOSENESS_MAX points) only for the candidates
        that may still enter the top RANKED_KEPT (see `_closeness`). Candidates are then
        taken by their cheap part while they could still enter the top.
        """
        retrieved = self._retrieve(asked)
        if not retrieved:
            return []
        candidates = np.fromiter(retrieved, dtype=np.int64, count=len(retrieved))
        points = self._bases(candidates, retrieved, words, asked).points
        partial = list(zip(points.tolist(), retrieved, strict=True))
        partial.sort(reverse=True)
        closeness = self._closeness(asked, candidates, points)
        kept: list[float] = []  # a min-heap of the best RANKED_KEPT full scores so far
        ranked = []
        for base, index in partial:
            if len(kept) == RANKED_KEPT and base + CLOSENESS_MAX <= kept[0]:
                break  # sorted by base: no later candidate can enter the top either
            if index not in closeness:
                continue  # its best possible score is below the top RANKED_KEPT's
            score = max(0.0, min(base + closeness[index], 100.0))
            ranked.append(Candidate(self._entries[index], round(score, 1)))
            if len(kept) < RANKED_KEPT:
                heapq.heappush(kept, score)
            else:
                heapq.heappushpop(kept, score)
        ranked.sort(key=lambda c: c.score, reverse=True)
        return ranked[:RANKED_KEPT]

    def _reranking(
        self, asked: _Asked, words: list[_QueryWord], ranked: list[Candidate]
    ) -> Reranking:
        """The re-ranking model's features (knowledge/reranking.py, in FEATURES' order) and
        scores for the ranked candidates: signals of the entry as a whole, not only of its
        closest phrasing. A few vectorised operations over the candidates' phrasings."""
        candidates = np.array([self._index_of[id(c.entry)] for c in ranked], dtype=np.int64)
        asked_terms = set(asked.terms.ids)
        keys = [0.0 if _is_offtopic(c.entry) else
                key_term_share(self._key_terms[index], asked_terms)
                for c, index in zip(ranked, candidates.tolist(), strict=True)]  # fmt: skip
        # A row per feature, then one candidate per row, laid out row by row as the dot
        # product expects (np.column_stack, the same, costs a call per feature).
        return rerank(np.array((
            np.array([c.score for c in ranked]) / 100,
            *self._phrasing_signals(asked, candidates),
            *self._term_signals(asked, words, candidates),
            keys, [float(_is_offtopic(c.entry)) for c in ranked],
            *asked_alike_and_other(self._asked_shares[candidates],
                                   self._asked_kind[list(asked_terms)]),
        ), dtype=np.float64).T.copy())

    def _phrasing_signals(self, asked: _Asked, candidates: np.ndarray) -> list[np.ndarray]:
        """Per candidate: its closest phrasing's similarity, coverage and share of the
        question's weight (a short generic phrasing holds little of a long question); how
        many of its phrasings share a word with the question, and what share of them."""
        scored, closest = self._closest(asked, candidates)
        found = scored.coverage * self._content_totals[scored.phrasings]
        sharing = np.add.reduceat((found > 0).astype(np.float64), scored.starts)
        sizes = np.diff(scored.starts, append=len(scored.phrasings))
        return [scored.similarity[closest] / 100, scored.coverage[closest],
                found[closest] / (asked.total or 1.0), np.log1p(sharing),
                sharing / np.maximum(sizes, 1)]  # fmt: skip

    def _term_signals(
        self, asked: _Asked, words: list[_QueryWord], candidates: np.ndarray
    ) -> list[np.ndarray]:
        """Per candidate, what it knows of the question's words and word pairs over all its
        phrasings and keywords: coverage, TF-IDF cosine and BM25 (the entry as one
        document), the share of the squared weights (rare words count most), the heaviest
        term it knows, the share of the pairs' weight and the number of pairs."""
        terms, front = asked.terms, asked.seen.front
        known = terms.known
        columns = front.columns(candidates)
        query = np.array(terms.weights)
        saturation = front.of(front.saturation, columns)
        used = saturation > 0
        bm25 = query @ saturation
        squares = np.array([w.weight for w in words]) ** 2
        pair_weight, pairs_used = query[known:], used[known:]
        return [self._coverages(candidates, words, asked) / (asked.total or 1.0),
                cosines(query, saturation * self._idf_array[terms.ids][:, None],
                        self._entry_norms[candidates]),
                bm25 / (bm25.max() or 1.0),
                squares[[w.known for w in words]] @ used[:known] / (squares.sum() or 1.0),
                np.max(np.where(used, query[:, None], 0.0), axis=0, initial=0.0)
                / (query.max(initial=0.0) or 1.0),
                pair_weight @ pairs_used / (pair_weight.sum() or 1.0),
                np.log1p(pairs_used.sum(axis=0)),
                query[:known] @ front.of(front.in_answer[:known], columns)
                / (asked.total or 1.0)]  # fmt: skip

    def _asked(self, query: Normalized, words: list[_QueryWord]) -> _Asked:
        corrected = self._corrected_tokens(query, words)
        matched = [(t, self._idf[self._term_id[t]])
                   for t in dict.fromkeys(w.token for w in words if w.known)]  # fmt: skip
        pairs = [p for p in _pairs(tuple(corrected)) if p in self._term_id]
        return _Asked(sum(w.weight for w in words), pairs, matched, " ".join(corrected),
                      self._terms([w for w in words if w.known], pairs), _Seen())  # fmt: skip

    def _terms(self, known: list[_QueryWord], pairs: list[str]) -> _Terms:
        tokens = [w.token for w in known]
        pair_ids = [self._term_id[p] for p in pairs]
        return _Terms([self._term_id[t] for t in tokens] + pair_ids,
                      [w.weight for w in known] + [self._idf[p] for p in pair_ids],
                      tokens, [self._answer_id.get(t, -1) for t in tokens] + [-1] * len(pairs),
                      len(known))  # fmt: skip

    def _bases(
        self, candidates: np.ndarray, retrieved: dict[int, float], words: list[_QueryWord],
        asked: _Asked,
    ) -> _Bases:
        """Per candidate, the cheap part of its score (coverage, evidence, BM25), for all
        candidates at once."""
        mass = self._coverages(candidates, words, asked)
        terms, front = asked.terms, asked.seen.front
        pair_hits = front.of(front.used[terms.known:], front.columns(candidates))
        pair_mass = _sum_rows(pair_hits, terms.weights[terms.known:])
        # math.exp, not numpy's: the score must not depend on which SIMD path numpy takes
        evidence = np.array([1 - math.exp(-x) for x in ((mass + PAIR_WEIGHT * pair_mass)
                                                       / self._evidence_scale).tolist()])
        bm25 = np.array([retrieved.get(index, 0.0) for index in candidates.tolist()])
        return _Bases(mass, evidence, COVERAGE_WEIGHT * mass / asked.total,
                      EVIDENCE_WEIGHT * evidence,
                      BM25_WEIGHT * (bm25 / max(retrieved.values()) - 1))  # fmt: skip

    def explain(self, text: str) -> Explanation:
        """`match(text)` with its reasons: the question's words and their weights, and for
        each ranked candidate the words it shares, its closest phrasing and the points
        each signal gave. Worked out by the same methods the score uses, never a copy."""
        result = self.match(text)
        query = self.normalizer.normalize(text)
        words = self._query_words(query)
        if not words or not result.ranked:
            return Explanation(result, tuple((w.token, w.weight) for w in words),
                               tuple(w.token for w in words if not w.known),
                               tuple((w.typed, w.token) for w in words if w.typed != w.token),
                               ())  # fmt: skip
        asked = self._asked(query, words)
        ranked = self._rank(asked, words)
        reranking = self._reranking(asked, words, ranked) if len(ranked) > 1 else None
        ordered, chances = _ordered(ranked, reranking)
        judgement = self._judge(asked, words, ordered, chances)
        offtopic = judgement and self._offtopic(asked, words, ranked, reranking, judgement)
        place = {id(c.entry): k for k, c in enumerate(ranked)}
        retrieved, front = asked.seen.retrieved, asked.seen.front
        candidates = np.array([self._position[c.entry.id] for c in result.ranked],
                              dtype=np.int64)
        bases = self._bases(candidates, retrieved, words, asked)
        blends = self._blends(asked.text, candidates, asked.matched)
        ends = [*blends.starts.tolist()[1:], len(blends.blend)]
        words_asked, columns = asked.terms.known, front.columns(candidates)
        used = front.used[:words_asked, columns].T.tolist()
        in_answer = front.in_answer[:words_asked, columns].T.tolist()
        pair_hits = front.used[words_asked:, columns].T.tolist()
        known = asked.terms.tokens
        best_bm25 = max(retrieved.values())
        explained = []
        for k, candidate in enumerate(result.ranked):
            start = int(blends.starts[k])
            closest = start + int(np.argmax(blends.blend[start:ends[k]]))
            similarity = float(blends.similarity[closest])
            coverage = float(blends.coverage[closest])
            phrasings = list(dict.fromkeys(candidate.entry.phrasings))
            explained.append(CandidateExplanation(
                candidate, phrasings[closest - start],
                tuple(t for t, hit in zip(known, used[k], strict=True) if hit),
                tuple(t for t, hit, answered in zip(known, used[k], in_answer[k], strict=True)
                      if answered and not hit),
                tuple(p for p, hit in zip(asked.pairs, pair_hits[k], strict=True) if hit),
                Signals(similarity, float(bases.mass[k]) / asked.total, coverage,
                        float(bases.evidence[k]),
                        retrieved.get(int(candidates[k]), 0.0) / best_bm25, (
                            ("similarity", SIMILARITY_WEIGHT * similarity),
                            ("phrasing_coverage", PHRASING_COVERAGE_WEIGHT * 100 * coverage),
                            ("coverage", 100 * float(bases.coverage_points[k])),
                            ("evidence", 100 * float(bases.evidence_points[k])),
                            ("bm25", 100 * float(bases.bm25_points[k])))),
                reranking.points(place[id(candidate.entry)]) if reranking else ()))  # fmt: skip
        return Explanation(
            result, tuple((w.token, w.weight) for w in words),
            tuple(w.token for w in words if not w.known),
            tuple((w.typed, w.token) for w in words if w.typed != w.token),
            tuple(explained), judgement, offtopic,
        )  # fmt: skip

    def _decide(
        self, ranked: list[Candidate], normalized: str, vague: bool,
        judged: Callable[[], Judgement | None],
        offtopic: Callable[[Judgement], OfftopicJudgement],
    ) -> MatchResult:
        """Fallback unless the calibration is confident enough that the best entry is the
        topic asked about (knowledge/calibration.py: a high score on everyday words alone
        is not enough); then the score and its margin choose between answering and
        suggesting. A vague question (a single word we know, like "VNeID") says too little
        to be answered, and too much for "I don't know": it always gets suggestions.
        `judged` is only called when the score alone does not decide (it costs a little);
        `offtopic`, given its verdict, says how likely the question is not ours at all
        (knowledge/offtopic_judgement.py): sure enough of that, the bot falls back too."""
        limits = self.thresholds
        kept = tuple(c for c in ranked[:RANKED_KEPT] if not _is_offtopic(c.entry))
        suggest = limits.suggest - (VAGUE_ALLOWANCE if vague else 0.0)
        top = max((c.score for c in ranked), default=0.0)  # the re-ranking may demote it
        if not ranked or top < suggest or _is_offtopic(ranked[0].entry):
            return MatchResult("fallback", None, top, (), normalized, kept)
        judgement = None if vague else judged()
        confidence = judgement.confidence if judgement else None
        if judgement is not None and judgement.confidence < limits.confidence:
            return MatchResult("fallback", None, top, (), normalized, kept, confidence)
        off = offtopic(judgement).confidence if judgement else None
        if off is not None and off >= limits.offtopic:
            return MatchResult("fallback", None, top, (), normalized, kept, confidence, off)
        best = ranked[0]
        # The closest rival by score, wherever the re-ranking put it.
        runner_up = max((c.score for c in ranked[1:]), default=0.0)
        clear = best.score >= limits.answer and best.score - runner_up >= limits.margin
        if clear and not vague:
            return MatchResult("answered", best.entry, best.score, (), normalized, kept,
                               confidence, off)  # fmt: skip
        close = [c for c in kept if c.score >= suggest or c is best][: limits.max_suggestions]
        return MatchResult("suggested", None, best.score, tuple(close), normalized, kept,
                           confidence, off)  # fmt: skip

    # --- indexing -------------------------------------------------------------------------

    def _offtopic_topics(self, questions: tuple[str, ...]) -> list[Entry]:
        """The questions marked off-topic, one entry per topic (knowledge/offtopic_topics.py)."""
        texts = [self.normalizer.normalize(q).text for q in questions]
        return [_offtopic_entry([questions[k] for k in group]) for group in topics(texts)]

    def _term_uses(self, phrasings: _Words, keywords: _Words) -> _Uses:
        """How many of each entry's phrasings use each content word and word pair (keywords
        count as one phrasing each), as (entry, term, count) rows; and the term ids: words
        first, then pairs ("căn cước"), each as `_pairs` writes it."""
        vocabulary = phrasings.table.vocabulary
        size = len(vocabulary.words)
        pairs = [words.table.pairs() for words in (phrasings, keywords)]
        word_terms = unique(np.concatenate((phrasings.content[1], keywords.content[1])))
        pair_terms = unique(np.concatenate([keys for _, keys in pairs]))
        term_of_word = np.full(size, -1, dtype=np.int64)
        term_of_word[word_terms] = np.arange(len(word_terms))
        names = vocabulary.words
        self._term_id = {name: term for term, name in enumerate(chain(
            (names[w] for w in word_terms.tolist()),
            (f"{names[k // size]} {names[k % size]}" for k in pair_terms.tolist())))}  # fmt: skip
        term_count = max(len(self._term_id), 1)
        # entry * term_count + term: millions of rows, made part by part straight into one
        # array, each part's pairs freed once used (the parts and their concatenation were
        # the peak of a reload).
        rows = np.empty(sum(len(words.content[0]) + len(units) for words, (units, _)
                            in zip((phrasings, keywords), pairs, strict=True)), dtype=np.int64)
        end = 0
        for words in (phrasings, keywords):
            units, keys = pairs.pop(0)
            end = _put(rows, end, words.owner[words.content[0]] * term_count
                       + term_of_word[words.content[1]])  # fmt: skip
            end = _put(rows, end, words.owner[units] * term_count + len(word_terms)
                       + np.searchsorted(pair_terms, keys))  # fmt: skip
            del units, keys
        keys, counts = unique_counts(rows)
        return _Uses(keys, counts, term_count, term_of_word)

    def _asked_shares_of(self, uses: _Uses, sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Per term, the kind of thing asked it signals (reranking.py's ASKED, -1: none); per
        entry and kind, the share of its phrasings and keywords (`sizes`) using one of the
        kind's terms, capped at 1 (a phrasing may use two of them)."""
        kind_of = asked_kinds(self._term_id, max(len(self._term_id), 1))
        entries, terms = uses.entries_and_terms()
        kinds = kind_of[terms]
        at = kinds >= 0
        shares = np.zeros((len(self._entries), len(ASKED)))
        np.add.at(shares, (entries[at], kinds[at]), uses.counts[at])
        return kind_of, np.minimum(shares / np.maximum(sizes, 1)[:, None], 1.0)

    def _offtopic_terms(self, uses: _Uses, real: int) -> np.ndarray:
        """Per term, whether only off-topic questions use it (no entry's phrasings or
        keywords do): a question resting on such words is about their topics."""
        split = int(np.searchsorted(uses.keys, real * uses.term_count))  # rows by entry
        terms = uses.keys % uses.term_count
        ours = np.zeros(max(len(self._term_id), 1), dtype=bool)
        ours[terms[:split]] = True
        theirs = np.zeros_like(ours)
        theirs[terms[split:]] = True
        return theirs & ~ours

    def _build_postings(self, uses: _Uses) -> Postings:
        """term -> (entry index, BM25 term saturation), most central entries first, so that
        truncating a long list keeps the best ones.

        BM25 counts how many of an entry's phrasings use a term, with diminishing returns,
        relative to how much the entry says overall: an entry with thirty phrasings on every
        subject (a "hub") does not win every question by knowing every word.
        """
        entries, terms = uses.entries_and_terms()
        lengths = np.bincount(entries, weights=uses.counts, minlength=len(self._entries))
        average = int(lengths.sum()) / max(len(lengths), 1) or 1.0
        norms = BM25_K1 * (1 - BM25_B + BM25_B * lengths / average)
        uses_of = uses.counts.astype(np.float64)
        saturation = uses_of * (BM25_K1 + 1) / (uses_of + norms[entries])
        return Postings(terms, entries, saturation, len(self._term_id), len(self._entries))

    def _uses_by_entry(self, uses: _Uses, count: int) -> list[Counter[str]]:
        """The first `count` entries' term uses, term by term: what `key_terms` reads
        (entry by entry, so that the millions of rows are never Python numbers at once)."""
        names = list(self._term_id)
        ends = np.searchsorted(uses.keys, np.arange(1, count + 1) * uses.term_count).tolist()
        return [Counter(dict(zip(map(names.__getitem__,
                                     (uses.keys[start:end] % uses.term_count).tolist()),
                                 uses.counts[start:end].tolist(), strict=True)))
                for start, end in zip([0, *ends[:-1]], ends, strict=True)]  # fmt: skip

    def _build_answer_index(self, answers: _Words, uses: _Uses, count: int) -> None:
        """Which entries' answers use each word, and the weight of words found in answers
        but not in the same entry's phrasings (in how many entries that happens)."""
        entries, words = answers.content
        answer_words, terms = np.unique(words, return_inverse=True)
        names = answers.table.vocabulary.words
        self._answer_id = {names[w]: term for term, w in enumerate(answer_words.tolist())}
        self._answers = Postings(terms.reshape(-1), entries, np.ones(len(words)),
                                 len(answer_words), len(self._entries))  # fmt: skip
        word_terms = uses.term_of_word[words]
        used = (word_terms >= 0) & _contains(uses.keys,
                                             combined(entries, uses.term_count, word_terms))
        only, counts = np.unique(words[~used], return_counts=True)
        self._answer_idf = {names[w]: math.log(1 + count / entries_with)
                            for w, entries_with in zip(only.tolist(), counts.tolist(),
                                                       strict=True)}  # fmt: skip

    def _index_phrasings(
        self, normalized: list[list[Normalized]], phrasings: _Words, term_of_word: np.ndarray
    ) -> None:
        """Every phrasing's text (for similarity), content word ids and their summed
        weight (for phrasing coverage), flat: entry i's phrasings are numbers
        entry_bounds[i] to entry_bounds[i + 1], phrasing p's words content_terms[
        content_bounds[p]:content_bounds[p + 1]]."""
        units, words = phrasings.content
        count = phrasings.table.count
        terms = term_of_word[words]
        bounds = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(np.bincount(units, minlength=count), out=bounds[1:])
        # Each phrasing's weights added one word after the other, as sum() would add them.
        weights = np.array(self._idf, dtype=np.float64)[terms]
        rank = np.arange(len(units)) - bounds[units]
        totals = np.zeros(count)
        for k in range(int(rank.max()) + 1 if len(rank) else 0):
            at = rank == k
            totals[units[at]] += weights[at]
        # Each phrasing's distinct words in string order: the token-set ratio depends only
        # on a text's set of words, and rapidfuzz, which sorts and deduplicates the words of
        # every text it compares, does that faster on words already sorted (~5.7 -> ~3.4-4.8
        # µs a pair at 100,000 phrasings).
        self._texts = phrasings.table.word_sets()
        self._content_totals = totals
        self._entry_bounds = np.zeros(len(normalized) + 1, dtype=np.int64)
        np.cumsum(list(map(len, normalized)), out=self._entry_bounds[1:])

    @staticmethod
    def _spellings_seen(phrasings: _Words) -> dict[str, frozenset[str]]:
        """Every accented spelling the knowledge base uses for each folded word."""
        vocabulary = phrasings.table.vocabulary
        seen: dict[str, set[str]] = {}
        for word, accent in phrasings.table.spellings().tolist():
            seen.setdefault(vocabulary.words[word], set()).add(vocabulary.spelling(word, accent))
        return {token: frozenset(accents) for token, accents in seen.items()}

    def _ambiguous_spellers(
        self, phrasings: _Words
    ) -> dict[str, tuple[frozenset[int], dict[str, frozenset[int]]]]:
        """For each word the knowledge base spells in several ways ("đường" / "dương"): the
        entries using each spelling, so typed diacritics can tell one entry's word from
        another's. The folded word itself stands for "written without diacritics"."""
        table, vocabulary = phrasings.table, phrasings.table.vocabulary
        ambiguous = np.zeros(len(vocabulary.words), dtype=bool)
        ambiguous[[vocabulary.word_id[t] for t, spellings in self._spellings.items()
                   if len(spellings) > 1]] = True  # fmt: skip
        at = np.flatnonzero(ambiguous[table.word])
        accent_count, entry_count = len(vocabulary.accents), max(len(self._entries), 1)
        keys = unique(combined(combined(table.word[at], accent_count, table.accent[at]),
                               entry_count, phrasings.owner[table.text_of[at]]))
        spelled, entries = keys // entry_count, keys % entry_count
        starts = np.flatnonzero(np.diff(spelled, prepend=-1))
        ends = np.append(starts[1:], len(keys))[: len(starts)]
        by_word: dict[str, dict[str, frozenset[int]]] = {}
        for start, end, key in zip(starts.tolist(), ends.tolist(), spelled[starts].tolist(),
                                   strict=True):  # fmt: skip
            word, accent = divmod(key, accent_count)
            by_word.setdefault(vocabulary.words[word], {})[vocabulary.spelling(word, accent)] = (
                frozenset(entries[start:end].tolist()))
        return {token: (frozenset().union(*by.values()), by) for token, by in by_word.items()}

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
            elif token in self._term_id:
                weight = self._idf[self._term_id[token]]
                words[token] = _QueryWord(token, weight, True, token, accent)
            elif (correction := self._correct(token)) is not None:
                weight = self._idf[self._term_id[correction]] * CORRECTED_WORD_CREDIT
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
        return self._typos.nearest(token, 1 if len(token) < 7 else 2)

    def _corrected_tokens(self, query: Normalized, words: list[_QueryWord]) -> list[str]:
        """The query's tokens with typos replaced by the words they were corrected to."""
        fixes = {w.typed: w.token for w in words if w.typed != w.token}
        return [fixes.get(t, t) for t in query.tokens]

    def _retrieve(self, asked: _Asked) -> dict[int, float]:
        """BM25 scores of the entries sharing the most (weighted) words and pairs with the
        query, best first: every entry close enough to the best, not a fixed handful.

        A term counts more in an entry where more phrasings use it. Rare terms walk their
        posting lists; broad words (in many entries) and the answer text only add to the
        front runners, so common words cannot make the query cost O(entries). What the
        front runners use is looked up once, and kept in `asked.seen` for the later steps.
        """
        terms = asked.terms
        if not terms.ids:
            return {}
        # Heaviest first (of equal weights, in the order asked).
        order = sorted(range(len(terms.ids)), key=terms.weights.__getitem__, reverse=True)
        # The heaviest term is walked even when broad, so that something is retrieved.
        sizes = self._postings.sizes_of([terms.ids[k] for k in order[1:]])
        broad = [k for k, size in zip(order[1:], sizes, strict=True) if size > self._broad]
        walked = [order[0], *(k for k, size in zip(order[1:], sizes, strict=True)
                              if size <= self._broad)]  # fmt: skip
        entries, saturation, sizes = self._postings.walk([terms.ids[k] for k in walked],
                                                         self._broad)  # fmt: skip
        # Added in term order, entry by entry, as a loop over the terms would (bincount
        # adds each entry's weights in the order given).
        scores = np.bincount(entries, np.repeat([terms.weights[k] for k in walked], sizes)
                             * saturation, minlength=len(self._entries))  # fmt: skip
        first = np.unique(entries, return_index=True)[1]
        reached = entries[np.sort(first)]  # in the order first reached: it breaks ties
        best = _best(reached, scores, 2 * MAX_CANDIDATES)
        front = asked.seen.front = self._front(terms, best)
        # Common words and the answers only re-order the front runners: added term after
        # term to their scores (a running sum adds in order).
        broad_weights = np.array([terms.weights[k] for k in broad])[:, None]
        scores[best] = np.add.accumulate(np.vstack((
            scores[best], broad_weights * front.saturation[broad],
            ANSWER_FIELD_WEIGHT * self._answer_mass(terms, order, front))), axis=0)[-1]
        best = _best(best, scores, MAX_CANDIDATES)
        floor = CANDIDATE_FLOOR * scores[best[0]]
        asked.seen.retrieved = {index: score for index, score in zip(best.tolist(),
                                scores[best].tolist(), strict=True) if score >= floor}  # fmt: skip
        return asked.seen.retrieved

    def _front(self, terms: _Terms, best: np.ndarray) -> _Front:
        """The question's terms in the front runners' phrasings and answers, looked up."""
        column = np.full(len(self._entries), -1, dtype=np.int64)
        column[best] = np.arange(len(best))
        used, saturation = self._postings.look_up(terms.ids, best)
        return _Front(best, column, used, saturation,
                      self._answers.look_up(terms.answer_ids, best)[0])

    def _answer_mass(self, terms: _Terms, order: list[int], front: _Front) -> np.ndarray:
        """The answer-field weight of the query's words each front runner's answer uses,
        heaviest first (the answer is a weaker field: words there and not in the
        phrasings are rare evidence)."""
        rows = {terms.tokens[k]: k for k in reversed(order) if k < terms.known}
        asked = [t for t in dict.fromkeys(terms.tokens[k] for k in order if k < terms.known)
                 if t in self._answer_idf]  # fmt: skip
        if not asked:
            return np.zeros(front.in_answer.shape[1])
        return _sum_rows(front.in_answer[[rows[t] for t in asked]],
                         [self._answer_idf[t] for t in asked])

    def _coverages(self, candidates: np.ndarray, words: list[_QueryWord], asked: _Asked
                   ) -> np.ndarray:  # fmt: skip
        """Per candidate, the weight of the query words it knows (in its answer: partly).
        A word typed with diacritics the entry spells otherwise is another word. Worked
        out once per question for every front runner (the score, the re-ranking and the
        judgement all ask)."""
        seen = asked.seen
        if seen.masses is None:
            seen.masses = self._masses(words, asked.terms, seen.front)
        return seen.masses[seen.front.columns(candidates)]

    def _masses(self, words: list[_QueryWord], terms: _Terms, front: _Front) -> np.ndarray:
        """`_coverages` of every front runner, worked out."""
        known = [w for w in words if w.known]
        weights = np.array(terms.weights[:terms.known])[:, None]
        counted = np.where(front.used[:terms.known], weights,
                           np.where(front.in_answer[:terms.known], ANSWER_FIELD_WEIGHT * weights,
                                    0.0))  # fmt: skip
        rows = [k for k, w in enumerate(known) if w.accent and w.token in self._spellers]
        if rows:
            otherwise = np.array([self._spelled_otherwise(known[k].token, known[k].accent)
                                  for k in rows])[:, front.entries]  # fmt: skip
            counted[rows] = np.where(otherwise, 0.0, counted[rows])
        return _sum_rows(counted)

    def _spelled_otherwise(self, token: str, accent: str) -> np.ndarray:
        """Per entry, whether its phrasings spell the word, but never as typed (kept per
        spelling the knowledge base knows, and one for any other)."""
        users, by_spelling = self._spellers[token]
        key = (token, accent if accent in by_spelling else None)
        if key not in self._otherwise:
            marked = np.zeros(len(self._entries), dtype=bool)
            marked[list(users - by_spelling.get(accent, frozenset()))] = True
            self._otherwise[key] = marked
        return self._otherwise[key]

    def _closeness(
        self, asked: _Asked, candidates: np.ndarray, points: np.ndarray
    ) -> dict[int, float]:
        """Per candidate that may still enter the top RANKED_KEPT, the best blend of
        similarity and phrasing coverage over its phrasings, exactly.

        Phrasing coverage is cheap; similarity (rapidfuzz) is not, so it is bounded first
        (`TokenSets`) and computed only where the bound says it could matter: round by
        round, for the phrasings that could still beat their entry's best blend so far,
        of the candidates whose best possible score could still reach the top (the first
        round takes each candidate's most promising phrasing only). A candidate left out
        scores, rounded as the ranking rounds, below RANKED_KEPT others.
        """
        scored = self._scored(asked, candidates)
        phrasings, starts, bound = scored.phrasings, scored.starts, scored.bound
        owner = _owners(starts, len(phrasings))
        blend = np.zeros(len(phrasings))  # exact where computed
        pending = np.ones(len(phrasings), dtype=bool)
        asked.seen.scored = scored
        first = True
        while True:
            lower = np.maximum.reduceat(np.where(pending, 0.0, blend), starts)
            upper = np.maximum(lower, np.maximum.reduceat(np.where(pending, bound, 0.0), starts))
            alive = self._may_enter_top(points + lower, points + upper)
            needed = pending & alive[owner] & (bound > lower[owner])
            if first:  # each candidate's most promising phrasing
                best = np.maximum.reduceat(np.where(needed, bound, -1.0), starts)
                needed &= bound == best[owner]
                first = False
            if not needed.any():
                return dict(zip(candidates[alive].tolist(), lower[alive].tolist(), strict=True))
            scored.similarity[needed] = self._similarities(asked.text, phrasings[needed])
            blend[needed] = SIMILARITY_WEIGHT * scored.similarity[needed] + scored.covered[needed]
            pending &= ~needed

    @staticmethod
    def _may_enter_top(lowest: np.ndarray, highest: np.ndarray) -> np.ndarray:
        """Whether each candidate, scoring between `lowest` and `highest`, may still be
        among the RANKED_KEPT best once scores are clamped and rounded to 0.1 (a
        candidate rounded below the RANKED_KEPT-th best lowest score cannot)."""
        if len(lowest) <= RANKED_KEPT:
            return np.ones(len(lowest), dtype=bool)
        floor = float(np.partition(lowest, -RANKED_KEPT)[-RANKED_KEPT])
        reached = round(max(0.0, min(floor, 100.0)), 1)
        # round(x, 1) < reached for every x below this (rounding moves x by at most 0.05)
        return np.clip(highest, 0.0, 100.0) >= reached - 0.05 - 1e-6

    def _blends(
        self, text: str, candidates: np.ndarray, matched: list[tuple[str, float]]
    ) -> _Blends:
        """Every phrasing's similarity in one batched rapidfuzz call, coverage from the
        word ids stored at index time, and their blend."""
        phrasings, starts, coverage, _ = self._phrasing_coverages(candidates, matched)
        similarity = self._similarities(text, phrasings)
        blend = SIMILARITY_WEIGHT * similarity + PHRASING_COVERAGE_WEIGHT * 100 * coverage
        return _Blends(similarity, coverage, blend, starts)

    def _closest(self, asked: _Asked, candidates: np.ndarray) -> tuple[_Scored, np.ndarray]:
        """Closeness's phrasings of some of its candidates, and where each one's closest
        phrasing is (the first with the highest blend, as `_blends` would find it).

        Closeness left every phrasing whose bound (`TokenSets`) beats its candidate's best
        blend computed; only those whose bound ties with it remain, computed here. Any
        other phrasing's true blend is below the best, so it cannot be the closest."""
        scored = asked.seen.scored.of(candidates)
        similarity, starts = scored.similarity, scored.starts
        owner = _owners(starts, len(scored.phrasings))
        blend = SIMILARITY_WEIGHT * similarity + scored.covered  # NaN: not computed
        best = np.fmax.reduceat(blend, starts)  # NaN only where none was computed
        missing = np.isnan(blend) & ~(scored.bound < best[owner])
        if missing.any():
            similarity[missing] = self._similarities(asked.text, scored.phrasings[missing])
            blend[missing] = SIMILARITY_WEIGHT * similarity[missing] + scored.covered[missing]
            best = np.fmax.reduceat(blend, starts)
        first = np.where(blend == best[owner], np.arange(len(blend)), len(blend))
        return scored, np.minimum.reduceat(first, scored.starts)

    def _scored(self, asked: _Asked, candidates: np.ndarray) -> _Scored:
        """The candidates' phrasings, their coverage and bounds, no similarity yet."""
        phrasings, starts, coverage, bound = self._phrasing_coverages(
            candidates, asked.matched, asked.text.split())
        covered = PHRASING_COVERAGE_WEIGHT * 100 * coverage
        return _Scored(candidates, phrasings, starts, coverage, covered,
                       SIMILARITY_WEIGHT * bound + covered, np.full(len(phrasings), np.nan))

    def _similarities(self, text: str, phrasings: np.ndarray) -> np.ndarray:
        """rapidfuzz's token-set ratio of the text to each phrasing, in one batched call."""
        return process.cdist([text], [self._texts[p] for p in phrasings.tolist()],
                             scorer=fuzz.token_set_ratio, dtype=np.float64)[0]  # fmt: skip

    def _phrasing_coverages(
        self, candidates: np.ndarray, matched: list[tuple[str, float]],
        question: list[str] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The candidates' phrasings (entry after entry), where each candidate's start, and
        each phrasing's coverage: the share of its weighted words the question has; given
        the question's words, bounds on each phrasing's similarity too (else zeros)."""
        first, last = self._entry_bounds[candidates], self._entry_bounds[candidates + 1]
        phrasings = ranges(first, last)
        bound, found = self._token_sets.compare(question or [], matched, phrasings)
        totals = self._content_totals[phrasings]
        coverage = np.divide(found, totals, out=np.zeros(len(found)), where=totals > 0)
        return (phrasings, np.concatenate(([0], np.cumsum(last - first)[:-1])), coverage,
                bound)  # fmt: skip


def _ordered(
    ranked: list[Candidate], reranking: Reranking | None
) -> tuple[list[Candidate], np.ndarray]:
    """`ranked` in the re-ranking's order and its probability for each (without one, as
    ranked and 1 each): what the judgement weighs, for matching and for explanations alike."""
    if reranking is None:
        return ranked, np.ones(len(ranked))
    order = reranking.order()
    return [ranked[k] for k in order], reranking.probabilities()[order]


def _owners(starts: np.ndarray, count: int) -> np.ndarray:
    """For each of `count` phrasings laid out candidate after candidate from `starts`, the
    position of its candidate."""
    return np.repeat(np.arange(len(starts)), np.diff(np.append(starts, count)))


def _sum_rows(rows: np.ndarray, weights: list[float] | None = None) -> np.ndarray:
    """Each column's sum over the rows (times each row's weight, if given), added row after
    row as a loop over the question's words would add them (the same float, to the last
    bit: `sum`'s pairwise summation would round differently; a running sum, `accumulate`,
    adds in order by definition)."""
    if weights is not None:
        rows = np.where(rows, np.array(weights)[:, None], 0.0)
    if not len(rows):
        return np.zeros(rows.shape[1])
    return np.add.accumulate(rows, axis=0, dtype=np.float64)[-1]


def _best(entries: np.ndarray, scores: np.ndarray, limit: int) -> np.ndarray:
    """The `limit` entries with the highest scores, best first; of equal scores, the one
    listed first (what sorting the list by score, stably, would keep)."""
    values = scores[entries]
    if len(entries) > limit:
        kth = np.partition(values, len(values) - limit)[len(values) - limit]
        keep = values >= kth
        entries, values = entries[keep], values[keep]
    return entries[np.argsort(-values, kind="stable")[:limit]]


def _contains(ordered: np.ndarray, probes: np.ndarray) -> np.ndarray:
    """Whether each probe is one of the sorted values."""
    if not len(ordered):
        return np.zeros(len(probes), dtype=bool)
    where = np.minimum(np.searchsorted(ordered, probes), len(ordered) - 1)
    return ordered[where] == probes
