"""The index's token tables keep word, accent and text ids as int32 (a reload builds millions
of them beside the serving index); keys made of two ids are worked out in int64, so that a
large knowledge base (200,000 texts times 20,000 words is past 2**31) never wraps around."""

from __future__ import annotations

import numpy as np

from knowledge import token_table
from knowledge.normalize import Normalizer
from knowledge.token_table import TokenTable, Vocabulary, combined, unique


def test_a_key_of_two_int32_ids_past_2_to_the_31_is_exact() -> None:
    texts = np.array([199_999, 3], dtype=np.int32)
    words = np.array([19_999, 7], dtype=np.int32)
    assert combined(texts, 20_000, words).tolist() == [199_999 * 20_000 + 19_999, 3 * 20_000 + 7]


def test_unique_keys_are_the_sorted_distinct_ones() -> None:
    assert unique(np.array([5, 1, 5, 3, 1], dtype=np.int64)).tolist() == [1, 3, 5]


def test_each_texts_word_set_is_its_distinct_words_in_string_order(monkeypatch) -> None:
    monkeypatch.setattr(token_table, "WORD_SETS_AT_ONCE", 2)  # texts taken two at a time
    normalizer = Normalizer.from_file()
    texts = normalizer.normalize_many(["Làm thẻ căn cước ở đâu", "", "thẻ thẻ thẻ", "b a c a",
                                       "Đổi số điện thoại trên VNeID", "ở"])  # fmt: skip
    table = TokenTable(texts, Vocabulary(normalizer))
    assert table.word_sets() == [" ".join(sorted(set(text.tokens))) for text in texts]
