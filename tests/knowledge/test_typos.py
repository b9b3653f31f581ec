"""Typo correction by the deletion index finds exactly what a scan of the whole vocabulary
would: the closest known word within the allowed edits, the alphabetically first of equals."""

from __future__ import annotations

import random

import pytest
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from knowledge.typos import MAX_DISTANCE, TypoIndex, deletion_keys, deletions, key

VOCABULARY = ["cancuoc", "dinhdanh", "matkhau", "matkhua", "passcode", "taikhoan", "vneid",
              "kichhoat", "tamtru", "thuongtru", "congan", "dichvucong", "chungthuc"]


def scan(token: str, allowed: int) -> str | None:
    """What the matcher did before the index: every word measured, best and first kept."""
    found = process.extractOne(token, sorted(VOCABULARY), scorer=Levenshtein.distance,
                               score_cutoff=allowed)  # fmt: skip
    return found[0] if found else None


def typos_of(word: str, rng: random.Random) -> list[str]:
    """A deletion, an insertion, a substitution, a swap, and two of them at once."""
    def edit(text: str) -> str:
        i = rng.randrange(len(text))
        letter = rng.choice("abcdeghiklmnopqrstuvxy")
        return rng.choice([text[:i] + text[i + 1:], text[:i] + letter + text[i:],
                           text[:i] + letter + text[i + 1:],
                           text[:i] + text[i + 1:i + 2] + text[i:i + 1] + text[i + 2:]])
    return [edit(word) for _ in range(6)] + [edit(edit(word)) for _ in range(6)]


@pytest.mark.parametrize("allowed", [1, 2])
def test_the_index_finds_what_a_full_scan_finds(allowed: int) -> None:
    index = TypoIndex(VOCABULARY)
    rng = random.Random(6)
    for word in VOCABULARY:
        for typo in typos_of(word, rng):
            if len(typo) >= 3:
                assert index.nearest(typo, allowed) == scan(typo, allowed), typo


def test_of_two_words_equally_close_the_alphabetically_first_wins() -> None:
    assert TypoIndex(["matkhua", "matkhau"]).nearest("matkhu", 1) == "matkhau"


def test_a_word_too_far_from_every_known_word_is_not_corrected() -> None:
    assert TypoIndex(VOCABULARY).nearest("xyzxyz", 2) is None


def test_the_index_keys_each_deletion_as_a_typo_is_keyed() -> None:
    # The index works out its words' deletion keys in bulk from prefix sums; a typo keys its
    # own deletions one by one. A key computed otherwise would lose matches.
    for word in [*VOCABULARY, "x", "ab", "đường", "căncước"]:
        keys, owners = deletion_keys([word], MAX_DISTANCE)
        assert sorted(keys.tolist()) == sorted({key(d) for d in deletions(word, MAX_DISTANCE)})
        assert set(owners.tolist()) == {0}
