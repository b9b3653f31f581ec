"""Bounds on rapidfuzz's token-set ratio, so the matcher calls it only where it can matter:
a bound is never below the score rapidfuzz gives, and equals it where the shared words decide.
The same pass weighs the question's matched words among each phrasing's content words."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rapidfuzz import fuzz

from knowledge.token_sets import TokenSets

SYLLABLES = ["can", "cuoc", "cong", "dan", "the", "lam", "lai", "xe", "o", "dau", "2024",
             "vneid", "tai", "khoan", "mat", "khau", "x", "nguoi", "ß", "đi"]


def token_sets_of(texts: list[str], stopwords: frozenset[str] = frozenset()) -> TokenSets:
    """The bounds' index over some texts, as the matcher builds it from its token table;
    every word but the stopwords is a content word."""
    word_id: dict[str, int] = {}
    word, text_of = [], []
    for number, text in enumerate(texts):
        for token in text.split():
            word.append(word_id.setdefault(token, len(word_id)))
            text_of.append(number)
    word_ids, text_ids = np.array(word, dtype=np.int64), np.array(text_of, dtype=np.int64)
    content = np.array([w not in stopwords for w in word_id])[word_ids]
    return TokenSets(word_ids, text_ids, len(texts), list(word_id), word_id,
                     (text_ids[content], word_ids[content]))  # fmt: skip


def random_text(rng: random.Random, longest: int) -> str:
    return " ".join(rng.choice(SYLLABLES) for _ in range(rng.randint(0, longest)))


@pytest.fixture
def texts() -> list[str]:
    rng = random.Random(12)
    return [random_text(rng, 9) for _ in range(400)]


def test_a_bound_is_never_below_rapidfuzz_score(texts: list[str]) -> None:
    index = token_sets_of(texts)
    rng = random.Random(8)
    for _ in range(300):
        question = random_text(rng, 12)
        bounds = index.compare(question.split(), [], np.arange(len(texts)))[0]
        exact = [fuzz.token_set_ratio(question, text) for text in texts]
        below = [(text, bound, score) for text, bound, score in zip(texts, bounds, exact,
                                                                     strict=True)
                 if bound < score]  # fmt: skip
        assert not below, f"{question!r}: {below[:3]}"


def test_words_of_one_side_all_shared_bound_exactly_at_100() -> None:
    index = token_sets_of(["the can cuoc cong dan", "lai xe"])
    bounds = index.compare(["can", "cuoc", "o", "dau"], [], np.array([0, 1]))[0]
    assert bounds[1] < 100.0
    assert index.compare(["can", "cuoc"], [], np.array([0]))[0][0] == 100.0


def test_words_only_the_question_uses_still_bound_the_score() -> None:
    index = token_sets_of(["tai khoan vneid", ""])
    question = "mat khau khoan vneid quen"
    bounds = index.compare(question.split(), [], np.array([0, 1]))[0]
    assert bounds[0] >= fuzz.token_set_ratio(question, "tai khoan vneid")
    assert bounds[1] == 0.0


def test_matched_words_weigh_where_a_text_uses_them_as_content() -> None:
    index = token_sets_of(["the can cuoc o dau", "can ho", "cuoc song o dau"],
                          stopwords=frozenset({"o", "dau"}))  # fmt: skip
    matched = [("cuoc", 0.1), ("can", 0.7), ("dau", 5.0), ("xe", 9.0)]
    found = index.compare([], matched, np.array([2, 0, 1]))[1]
    assert found.tolist() == [0.1, 0.1 + 0.7, 0.7]


def test_matched_weights_add_up_in_the_matched_order() -> None:
    """Floats added in another order can differ in the last bit, and a score with them."""
    weights = [0.326, 4.919, 8.458, 3.493, 2.028]  # 19.223999999999997, not 19.224
    words = ["tai", "khoan", "mat", "khau", "vneid"]
    index = token_sets_of([" ".join(reversed(words))])
    found = index.compare([], list(zip(words, weights, strict=True)), np.array([0]))[1]
    total = 0.0
    for weight in weights:
        total += weight
    assert found[0] == total
