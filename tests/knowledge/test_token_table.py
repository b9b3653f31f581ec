"""The index's token tables keep word, accent and text ids as int32 (a reload builds millions
of them beside the serving index); keys made of two ids are worked out in int64, so that a
large knowledge base (200,000 texts times 20,000 words is past 2**31) never wraps around."""

from __future__ import annotations

import numpy as np

from knowledge.token_table import combined, unique


def test_a_key_of_two_int32_ids_past_2_to_the_31_is_exact() -> None:
    texts = np.array([199_999, 3], dtype=np.int32)
    words = np.array([19_999, 7], dtype=np.int32)
    assert combined(texts, 20_000, words).tolist() == [199_999 * 20_000 + 19_999, 3 * 20_000 + 7]


def test_unique_keys_are_the_sorted_distinct_ones() -> None:
    assert unique(np.array([5, 1, 5, 3, 1], dtype=np.int64)).tolist() == [1, 3, 5]
