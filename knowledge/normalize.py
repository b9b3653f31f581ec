"""Vietnamese text normalisation for matching citizens' questions.

Citizens type with or without diacritics, in NFC or NFD, with teencode, abbreviations,
emoji and politeness fillers. Matching compares a *folded* form (no diacritics, `đ`→`d`)
so that all of that lines up, while remembering each word's diacritics in a canonical
tone-last form, so that diacritics the user did type can still tell "đường" from "dương"
and old ("hoà") and new ("hòa") tone placement compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import chain, compress, pairwise
from operator import or_
from pathlib import Path
from typing import NamedTuple

import numpy as np

from foundations.yaml_lines import LocatedDict, LocatedList, Problem, load_located_yaml

DEFAULT_SYNONYMS = Path(__file__).with_name("synonyms.yaml")

# Combining tone marks: huyền, sắc, ngã, hỏi, nặng. Vowel-quality marks (â ă ê ô ơ ư) are kept
# by `accented_form`, because they change the word just as tones do.
TONE_DIGITS = {"\u0300": "2", "\u0301": "1", "\u0303": "4", "\u0309": "3", "\u0323": "5"}
# Zero-width spaces and joiners separate words ("quên\u200bmật\u200bkhẩu" is three words);
# a soft hyphen sits inside a word and is simply dropped.
INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff]")
SOFT_HYPHEN = "\u00ad"
NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def fold(word: str) -> str:
    """Remove every diacritic and map đ to d: the form people type on a bare keyboard."""
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def accented_form(word: str) -> str:
    """Canonical form of a word with diacritics: letters with quality marks, tone digit last.

    "hoà" and "hòa" both become "hoa2"; "đường" becomes "đương2", unlike "dương".
    """
    tone = ""
    kept = []
    for ch in unicodedata.normalize("NFD", word):
        if ch in TONE_DIGITS:
            tone = TONE_DIGITS[ch]
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)) + tone


@lru_cache(maxsize=200_000)
def word_forms(word: str) -> tuple[str, str | None]:
    """(folded, accented form or None if typed without diacritics), cached: a knowledge
    base of 100,000 phrasings repeats a few thousand distinct words."""
    folded = fold(word)
    return folded, (accented_form(word) if folded != word else None)


def visible(text: str) -> str:
    """The text with invisible characters turned into spaces (or dropped), stripped."""
    return INVISIBLE.sub(" ", text).replace(SOFT_HYPHEN, "").strip()


# Every ASCII character that is no letter or digit becomes a space: applied to the UTF-8
# bytes (where other characters never use a byte below 128), it clears the common
# punctuation of a whole text in one C call.
ASCII_SEPARATORS = bytes(c if chr(c).isalnum() or c >= 128 else 32 for c in range(256))


def split_words(text: str) -> list[str]:
    """Lower-case NFC words, with punctuation, emoji and invisible characters removed.

    ASCII punctuation is cleared for the whole text at once (a regex or per-word Python
    made this a large part of loading 100,000 phrasings); only the few words still holding
    a symbol ("đâu…", "😭") go through the regex.
    """
    words = _cleared(text).split()
    if all(map(str.isalnum, words)):
        return words
    return [part for word in words for part in _parts(word)]


def _cleared(text: str) -> str:
    """The text in NFC, lower-cased, without soft hyphens, every ASCII character that is no
    letter or digit a space: what `split_words` splits into words."""
    text = unicodedata.normalize("NFC", text.replace(SOFT_HYPHEN, "")).lower()
    return text.encode().translate(ASCII_SEPARATORS).decode()


def _parts(word: str) -> tuple[str, ...]:
    """The words a split word is made of: itself, or its parts around symbols ("đâu…")."""
    return (word,) if word.isalnum() else tuple(part for part in NON_WORD.split(word) if part)


# Texts normalised together are split as one text joined around this character: a private
# use one (no letter, digit or space; the same after NFC and lower-casing), so it comes out
# of the split as a word of its own between two texts, and composes with neither.
TEXT_BREAK = "\ue000"


class Numbering(dict):
    """value -> its number, given on first sight, in order of appearance: numbering
    millions of words is then one dict lookup each, in C."""

    def __init__(self, *first: object) -> None:
        super().__init__()
        self.values: list = []
        for value in first:
            self.__missing__(value)

    def __missing__(self, value: object) -> int:
        number = self[value] = len(self.values)
        self.values.append(value)
        return number

    def of(self, values: Iterable, count: int) -> np.ndarray:
        """The numbers of `count` values, as int32 (no index has 2**31 words)."""
        return np.fromiter(map(self.__getitem__, values), np.int32, count)


class _Split(NamedTuple):
    """The words of many texts laid end to end, each as its number in `words`; text k's are
    `ids[bounds[k]:bounds[k + 1]]`."""

    words: list[str]
    ids: np.ndarray
    bounds: list[int]


def _split_many(texts: list[str]) -> _Split | None:
    """`split_words` of every text, worked out on all of them joined: one NFC, one
    lower-casing, one split, and each distinct word looked at once (per text and per word,
    this was most of normalising 100,000 phrasings). None if a text holds TEXT_BREAK."""
    joined = f" {TEXT_BREAK} ".join(texts)
    if joined.count(TEXT_BREAK) != len(texts) - 1:
        return None
    number = Numbering(TEXT_BREAK)
    words = _cleared(joined).split()
    ids = number.of(words, len(words))
    del words
    split = [_parts(word) for word in number.values[1:]]
    if any(parts != (word,) for parts, word in zip(split, number.values[1:], strict=True)):
        ids = _expanded(ids, [(0,), *([number[part] for part in parts] for parts in split)])
    breaks = np.flatnonzero(ids == 0)
    bounds = [0, *(breaks - np.arange(len(breaks))).tolist(), len(ids) - len(breaks)]
    return _Split(number.values, np.delete(ids, breaks), bounds)


def _expanded(ids: np.ndarray, parts: list[Sequence[int]]) -> np.ndarray:
    """Each word number replaced by the numbers of its parts (none, one or several)."""
    sizes = np.array(list(map(len, parts)), dtype=np.int64)
    flat = np.fromiter(chain.from_iterable(parts), np.int64, int(sizes.sum()))
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    lengths = sizes[ids]
    firsts = np.repeat(offsets[ids] - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return flat[firsts + np.arange(int(lengths.sum()))]


class _WordForm(dict[str, str | None]):
    """word -> one of its `word_forms`, worked out on first sight: normalising maps every
    word through two of these, each a dict lookup in C (millions of words in a large
    knowledge base). Emptied when it grows past MAX_WORDS, so citizens' typos cannot make
    it grow without end."""

    MAX_WORDS = 200_000

    def __init__(self, part: int) -> None:
        super().__init__()
        self.part = part

    def __missing__(self, word: str) -> str | None:
        if len(self) >= self.MAX_WORDS:
            self.clear()
        form = self[word] = word_forms(word)[self.part]
        return form


FOLDED, ACCENTED = _WordForm(0), _WordForm(1)


class Normalized(NamedTuple):
    """A normalised text: folded tokens plus, per token, the diacritics the writer typed.

    `accents[i]` is the canonical accented form of token i, or None when the writer typed
    that word without diacritics. A replacement's tokens carry its canonical spelling's
    diacritics ("cccd" gives "căn cước", not the stopword "cần").
    A NamedTuple rather than a dataclass: indexing builds one per phrasing, 100,000 of them.
    """

    tokens: tuple[str, ...]
    accents: tuple[str | None, ...]

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


class SynonymError(Exception):
    """The synonyms file cannot be used; `problems` say where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


class Normalizer:
    """Turns raw text into `Normalized` using the admin-editable synonyms file."""

    MAX_REMEMBERED = 250_000  # normalised texts kept; all forgotten at once beyond it
    # Texts normalised together: their words' lists are held at once, so larger batches
    # would leave a larger high-water mark in the process for little more speed.
    BATCH = 5_000

    def __init__(
        self,
        replacements: dict[tuple[str, ...], Normalized],
        fillers: list[str],
        stopwords: list[str],
    ) -> None:
        self.replacements = replacements
        # folded stopword -> the diacritics its spellings carry (None: written without)
        self._stopwords: dict[str, set[str | None]] = {}
        for word in stopwords:
            folded, accent = word_forms(word)
            self._stopwords.setdefault(folded, set()).add(accent)
        # folded filler words -> the diacritics each spelling requires (None: any)
        self._fillers: dict[tuple[str, ...], list[tuple[str | None, ...]]] = {}
        for filler in fillers:
            words = split_words(filler)
            required = tuple(word_forms(w)[1] for w in words)
            self._fillers.setdefault(tuple(fold(w) for w in words), []).append(required)
        # Repeated texts are normalised once: keywords, common questions, and every phrasing
        # that the loader's checks and then the matcher's index both need.
        self._normalized: dict[str, Normalized] = {}
        # (words, their diacritics) from where a spelling may begin -> what `_match_at` found
        self._matches: dict[tuple[tuple[str, ...], tuple[str | None, ...]],
                            tuple[int, Normalized | None]] = {}  # fmt: skip
        # first word -> the word counts of the replacement and filler spellings starting
        # with it, longest first
        sizes: dict[str, set[int]] = {}
        for key in (*replacements, *self._fillers):
            sizes.setdefault(key[0], set()).add(len(key))
        self._sizes_from = {word: sorted(found, reverse=True) for word, found in sizes.items()}
        # where a spelling can begin: a one-word spelling, or the first two words of a longer
        # one ("có" alone begins nothing; "cô ơi" does)
        self._single_words = {key[0] for key in (*replacements, *self._fillers) if len(key) == 1}
        self._word_pairs = {key[:2] for key in (*replacements, *self._fillers) if len(key) > 1}

    @classmethod
    def from_file(cls, path: Path | None = None) -> Normalizer:
        """Load the synonyms file, raising SynonymError with `file:line: problem` entries."""
        path = path or DEFAULT_SYNONYMS
        data, problems = load_located_yaml(path)
        if not problems:
            problems = _check_synonyms(str(path), data)
        if problems:
            raise SynonymError(problems)
        replacements: dict[tuple[str, ...], Normalized] = {}
        for canonical, spellings in data["replacements"].items():
            forms = list(map(word_forms, split_words(str(canonical))))
            target = Normalized(tuple(f for f, _ in forms), tuple(a for _, a in forms))
            for spelling in spellings:
                replacements[tuple(fold(w) for w in split_words(str(spelling)))] = target
        fillers = [str(f) for f in data["fillers"]]
        stopwords = [w for s in data["stopwords"] for w in split_words(str(s))]
        return cls(replacements, fillers, stopwords)

    def is_stopword(self, token: str, accent: str | None) -> bool:
        """Whether a word is too common to say what a question is about.

        Compared with diacritics where the writer typed them, so that the stopword "cần"
        does not swallow "căn" (căn cước), nor "đang" "đăng" (đăng ký). A word typed without
        diacritics cannot be told apart, and counts as the stopword.
        """
        spellings = self._stopwords.get(token)
        return spellings is not None and (accent is None or accent in spellings)

    def content_words(self, words: Normalized) -> tuple[str, ...]:
        """The words that say what a text is about, once each in order: no stopwords, no
        numbers. Indexing asks this for every phrasing and answer, so a word that is no
        stopword in any spelling is let through without the full check."""
        stopwords, is_stopword = self._stopwords, self.is_stopword
        return tuple(dict.fromkeys(
            t for t, a in zip(words.tokens, words.accents, strict=True)
            if t.isalpha() and (t not in stopwords or not is_stopword(t, a))))  # fmt: skip

    def forget(self) -> None:
        """Drop the normalised texts kept so far (see `_normalized`)."""
        self._normalized.clear()
        self._matches.clear()

    def take_over(self, serving: Normalizer) -> None:
        """Keep what `serving` (the normaliser a reload replaces) has normalised, if it
        follows the same replacements and fillers; it forgets it either way.

        A reload usually finds most phrasings unchanged: normalising them again cost
        seconds, and holding them twice (the old index serves while the new one is built)
        was a large part of the reload's peak memory.
        """
        if (serving.replacements, serving._fillers) == (self.replacements, self._fillers):
            self._normalized, serving._normalized = serving._normalized, self._normalized
            self._matches, serving._matches = serving._matches, self._matches
        serving.forget()

    def normalize(self, text: str) -> Normalized:
        """Fold, expand abbreviations and drop fillers; keep the typed diacritics per token."""
        found = self._normalized.get(text)
        if found is None:
            found = self._remember(text, self._normalize_uncached(text))
        return found

    def normalize_many(self, texts: Iterable[str]) -> list[Normalized]:
        """`normalize` of each text, worked out for all of them at once, and remembered.

        Loading 100,000 phrasings normalised them one by one: the Python steps per text
        and per word (looking for where a replacement may begin, word by word and pair by
        pair) cost more than splitting the words. Here the words of every text are mapped
        in one pass, the places where a spelling may begin are found with numpy over all
        of them, and only the texts holding one go through the replacement loop.
        """
        texts = list(texts)
        missing = [text for text in dict.fromkeys(texts) if text not in self._normalized]
        for start in range(0, len(missing), self.BATCH):
            self._normalize_batch(missing[start : start + self.BATCH])
        return list(map(self.normalize, texts))

    def _normalize_batch(self, missing: list[str]) -> None:
        """`normalize_many` of some texts not normalised yet, remembering each.

        Each distinct word's forms are looked up once; the texts' words take them by
        number, through numpy's indexing of object arrays."""
        split = _split_many(missing)
        if split is None:  # a text holds TEXT_BREAK itself
            for text in missing:
                self._remember(text, self._normalize_uncached(text))
            return
        number = Numbering()
        ids = number.of(map(FOLDED.__getitem__, split.words), len(split.words))[split.ids]
        folded = np.array(number.values, dtype=object)[ids].tolist()
        accents = np.array([ACCENTED[word] for word in split.words], dtype=object)[
            split.ids].tolist()  # fmt: skip
        bounds = split.bounds
        del split
        starts = self._starts_of(folded, ids, number, bounds)
        folded_all, accents_all = tuple(folded), tuple(accents)
        del folded, accents
        for k, text in enumerate(missing):
            first, end = bounds[k], bounds[k + 1]
            self._remember(text, self._replaced(folded_all[first:end], accents_all[first:end],
                                                starts.get(k, ())))  # fmt: skip

    def _remember(self, text: str, normalized: Normalized) -> Normalized:
        if len(self._normalized) >= self.MAX_REMEMBERED:
            self._normalized.clear()
        self._normalized[text] = normalized
        return normalized

    def _starts_of(
        self, folded: list[str], ids: np.ndarray, number: dict[str, int], bounds: list[int]
    ) -> dict[int, list[int]]:
        """text number -> the positions in it where a replacement or filler may begin (see
        `_normalize_uncached`), for the folded words of many texts laid end to end (`ids`:
        their numbers in `number`)."""
        if not folded:
            return {}
        single = np.zeros(len(number) + 1, dtype=bool)
        single[[number[w] for w in self._single_words if w in number]] = True
        pair_first = np.zeros(len(number) + 1, dtype=bool)
        pair_first[[number[a] for a, _ in self._word_pairs if a in number]] = True
        last = np.zeros(len(folded), dtype=bool)
        last[np.array(bounds[1:], dtype=np.int64) - 1] = True
        maybe_pair = np.flatnonzero(pair_first[ids] & ~single[ids] & ~last)
        pairs = [i for i in maybe_pair.tolist()
                 if (folded[i], folded[i + 1]) in self._word_pairs]  # fmt: skip
        at = np.sort(np.concatenate((np.flatnonzero(single[ids]), pairs)).astype(np.int64))
        texts = np.searchsorted(np.array(bounds, dtype=np.int64), at, side="right") - 1
        starts: dict[int, list[int]] = {}
        for text, position in zip(texts.tolist(), at.tolist(), strict=True):
            starts.setdefault(text, []).append(position - bounds[text])
        return starts

    def _normalize_uncached(self, text: str) -> Normalized:
        words = split_words(text)
        if not words:
            return Normalized((), ())
        folded = tuple(map(FOLDED.__getitem__, words))
        accents = tuple(map(ACCENTED.__getitem__, words))
        # Only the words where some spelling can begin are looked at in Python (found in C,
        # word by word and pair by pair); the runs of plain words between replacements are
        # copied as slices.
        starts = compress(range(len(folded)), map(
            or_, map(self._single_words.__contains__, folded),
            chain(map(self._word_pairs.__contains__, pairwise(folded)), (False,))))  # fmt: skip
        return self._replaced(folded, accents, starts)

    def _replaced(
        self, folded: tuple[str, ...], accents: tuple[str | None, ...], starts: Iterable[int]
    ) -> Normalized:
        """The words with the replacements and fillers found at `starts` (in order, the
        places where one may begin) applied, longest first."""
        tokens: list[str] = []
        token_accents: list[str | None] = []
        copied = 0  # words before this one are in `tokens` already
        for i in starts:
            if i < copied:
                continue  # inside a spelling just replaced
            step, replacement = self._match_at(folded, accents, i)
            if replacement is None:  # a plain word
                continue
            tokens.extend(folded[copied:i])
            token_accents.extend(accents[copied:i])
            tokens.extend(replacement.tokens)
            token_accents.extend(replacement.accents)
            copied = i + step
        if not copied:  # nothing to replace or drop: the common case, kept cheap
            return Normalized(folded, accents)
        tokens.extend(folded[copied:])
        token_accents.extend(accents[copied:])
        return Normalized(tuple(tokens), tuple(token_accents))

    def _match_at(
        self, folded: tuple[str, ...], accents: tuple[str | None, ...], i: int
    ) -> tuple[int, Normalized | None]:
        """Longest replacement or filler starting at word i: (words consumed, new tokens).

        A filler yields an empty replacement; no match yields (1, None).
        """
        sizes = self._sizes_from[folded[i]]
        window = (folded[i : i + sizes[0]], accents[i : i + sizes[0]])
        found = self._matches.get(window)
        if found is None:
            if len(self._matches) >= self.MAX_REMEMBERED:
                self._matches.clear()
            found = self._matches[window] = self._match_in(*window, sizes)
        return found

    def _match_in(
        self, folded: tuple[str, ...], accents: tuple[str | None, ...], sizes: list[int]
    ) -> tuple[int, Normalized | None]:
        """`_match_at` for the words from its start to the longest spelling's end."""
        for size in sizes:
            if size > len(folded):
                continue
            span = folded[:size]
            if span in self._fillers and self._is_filler(span, accents[:size]):
                return size, Normalized((), ())
            replacement = self.replacements.get(span)
            if replacement is not None:
                return size, replacement
        return 1, None

    def _is_filler(self, span: tuple[str, ...], accents: tuple[str | None, ...]) -> bool:
        """A filler matches if every word typed with diacritics carries the filler's own.

        `required` holds None for a filler word written without diacritics: then the
        typed word must have none either (the filler "nha" is not the word "nhà").
        """
        return any(
            all(typed is None or need == typed
                for need, typed in zip(required, accents, strict=True))
            for required in self._fillers[span]
        )  # fmt: skip


def _check_synonyms(name: str, data: object) -> list[Problem]:
    if not isinstance(data, LocatedDict):
        expected = "tệp phải là một bảng với các khóa replacements, fillers, stopwords"
        return [Problem(name, 1, expected)]
    problems = []
    for key in ("replacements", "fillers", "stopwords"):
        if key not in data:
            problems.append(Problem(name, data.line, f"thiếu khóa '{key}'"))
    for key in data:
        if key not in ("replacements", "fillers", "stopwords"):
            problems.append(Problem(name, data.line_of(key), f"khóa lạ '{key}'"))
    replacements = data.get("replacements")
    if replacements is not None and not isinstance(replacements, LocatedDict):
        problems.append(Problem(name, data.line_of("replacements"), "replacements phải là bảng"))
    elif replacements is not None:
        for canonical, spellings in replacements.items():
            if not isinstance(spellings, LocatedList) or not spellings:
                line = replacements.line_of(str(canonical))
                problems.append(Problem(name, line, f"'{canonical}' cần một danh sách cách viết"))
    for key in ("fillers", "stopwords"):
        if key in data and not isinstance(data[key], LocatedList):
            problems.append(Problem(name, data.line_of(key), f"{key} phải là danh sách"))
    if not problems:
        problems = _canonicals_taken_for_stopwords(name, replacements, data["stopwords"])
    return problems


def _canonicals_taken_for_stopwords(
    name: str, replacements: LocatedDict, stopwords: LocatedList
) -> list[Problem]:
    """A canonical written wholly without diacritics ("can cuoc") whose word folds to a
    stopword spelt with them ("cần"): every question it is put in would lose that word as
    the stopword. One that has diacritics elsewhere ("ủy ban") means its bare word."""
    forms = {word: word_forms(word) for s in stopwords for word in split_words(str(s))}
    bare = {folded for folded, accent in forms.values() if accent is None}
    accented = {folded: word for word, (folded, accent) in forms.items()
                if accent is not None and folded not in bare}  # fmt: skip
    problems = []
    for canonical in replacements:
        words = split_words(str(canonical))
        if any(word_forms(word)[1] for word in words):
            continue
        for word in (word for word in words if word in accented):
            problems.append(Problem(name, replacements.line_of(str(canonical)),
                f"'{canonical}' viết không dấu: từ '{word}' sẽ bị coi là từ dừng "
                f"'{accented[word]}'; hãy viết từ chuẩn có dấu"))  # fmt: skip
    return problems
