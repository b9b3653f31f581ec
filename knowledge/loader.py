"""Load and validate the FAQ files, reporting every problem at once as `file:line: problem`.

A knowledge base with any error is never returned: the caller keeps serving the old one.
Warnings (doubtful but usable content) are returned beside a usable knowledge base.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from foundations.messages import Link
from foundations.yaml_lines import (
    Consequences,
    ImpossibleDate,
    LocatedDict,
    LocatedList,
    Problem,
    date_problem,
    declared_ids,
    load_located_yaml,
)
from knowledge.local_facts import unknown_placeholders
from knowledge.memory import cyclic_gc_paused
from knowledge.model import Category, Entry, KnowledgeBase, Source
from knowledge.normalize import Normalizer

DEFAULT_FAQ_DIR = Path(__file__).with_name("faq")
CATEGORIES_FILE = "categories.yaml"
OFFTOPIC_FILE = "ngoai-pham-vi.yaml"  # questions marked off-topic: the bot must not answer them
REQUIRED_KEYS = ("id", "category", "question", "variants", "answer", "sources", "updated")
OPTIONAL_KEYS = ("links", "keywords", "related", "review_by")
MAX_ANSWER_CHARS = 4000  # Telegram's 4,096 per message, less room for the title
ZALO_MESSAGE_CHARS = 2000
MIN_VARIANTS = 4
NEAR_DUPLICATE_QUESTION = 95
NEIGHBOURS_COMPARED = 4
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass
class LoadReport:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        (self.errors if problem.severity == "error" else self.warnings).append(problem)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Lost:
    """What failed to load, and where: references to it are its consequences."""

    entries: dict[str, tuple[str, int]] = field(default_factory=dict)
    categories: dict[str, tuple[str, int]] = field(default_factory=dict)
    every_category: tuple[str, int] | None = None  # categories.yaml itself unreadable
    consequences: Consequences = field(default_factory=Consequences)

    def unreadable_file(self, path: Path, line: int) -> None:
        for entry_id in declared_ids(path):
            self.entries.setdefault(entry_id, (str(path), line))


class KnowledgeLoadError(Exception):
    """The FAQ files have errors; the knowledge base in memory must stay as it was."""

    def __init__(self, report: LoadReport) -> None:
        super().__init__("\n".join(str(p) for p in report.errors))
        self.report = report


def load_knowledge_base(
    faq_dir: Path | None = None, normalizer: Normalizer | None = None
) -> tuple[KnowledgeBase, LoadReport]:
    """Read every FAQ file under `faq_dir`; raise KnowledgeLoadError listing all errors."""
    faq_dir = Path(faq_dir or DEFAULT_FAQ_DIR)
    normalizer = normalizer or Normalizer.from_file()
    with cyclic_gc_paused():
        return _load(faq_dir, normalizer)


def _load(faq_dir: Path, normalizer: Normalizer) -> tuple[KnowledgeBase, LoadReport]:
    report = LoadReport()
    if not faq_dir.is_dir():
        report.add(Problem(str(faq_dir), 1, "không tìm thấy thư mục FAQ"))
        raise KnowledgeLoadError(report)
    lost = _Lost()
    categories = _load_categories(faq_dir / CATEGORIES_FILE, report, lost)
    entries: dict[str, Entry] = {}
    for path in sorted(faq_dir.glob("*.yaml")):
        if path.name not in (CATEGORIES_FILE, OFFTOPIC_FILE):
            _load_entry_file(path, entries, report, lost)
    offtopic = _load_offtopic(faq_dir / OFFTOPIC_FILE, report)
    _check_cross_references(entries, {c.id for c in categories}, report, lost)
    _check_variant_collisions(entries, normalizer, report)
    _check_offtopic_collisions(str(faq_dir / OFFTOPIC_FILE), offtopic, entries, normalizer, report)
    if not report.ok:
        raise KnowledgeLoadError(report)
    return KnowledgeBase(tuple(categories), entries, tuple(q for q, _ in offtopic)), report


def _load_categories(path: Path, report: LoadReport, lost: _Lost) -> list[Category]:
    data, problems = load_located_yaml(path)
    for problem in problems:
        report.add(problem)
    if data is None and not problems:
        report.add(Problem(str(path), 1, "tệp danh mục trống hoặc không có"))
    if not isinstance(data, LocatedList):
        if data is not None:
            report.add(Problem(str(path), 1, "phải là danh sách các mục {id, title}"))
        lost.every_category = (str(path), problems[0].line if problems else 1)
        return []
    categories = []
    for index, item in enumerate(data):
        line = data.line_of(index)
        if not isinstance(item, dict) or not _nonempty_str(item.get("id")) or not _nonempty_str(
            item.get("title")
        ):
            report.add(Problem(str(path), line, "mỗi danh mục cần 'id' và 'title'"))
            if isinstance(item, dict) and _nonempty_str(item.get("id")):
                lost.categories[item["id"]] = (str(path), line)
            continue
        categories.append(Category(item["id"], _nfc(item["title"])))
    return categories


def _load_offtopic(path: Path, report: LoadReport) -> list[tuple[str, int]]:
    """The off-topic questions (a list of strings) with their lines; none if no file."""
    if not path.exists():
        return []
    data, problems = load_located_yaml(path)
    for problem in problems:
        report.add(problem)
    if data is None:
        return []
    if not isinstance(data, LocatedList):
        report.add(Problem(str(path), 1, "tệp câu hỏi ngoài phạm vi phải là danh sách câu hỏi"))
        return []
    questions = []
    for index, item in enumerate(data):
        if _nonempty_str(item):
            questions.append((_nfc(item.strip()), data.line_of(index)))
        else:
            report.add(Problem(str(path), data.line_of(index), "mỗi dòng phải là một câu hỏi"))
    return questions


def _load_entry_file(
    path: Path, entries: dict[str, Entry], report: LoadReport, lost: _Lost
) -> None:
    data, problems = load_located_yaml(path)
    for problem in problems:
        report.add(problem)
    if data is None:
        if problems:
            lost.unreadable_file(path, problems[0].line)
        return
    if not isinstance(data, LocatedList):
        report.add(Problem(str(path), 1, "tệp FAQ phải là một danh sách các mục (- id: ...)"))
        lost.unreadable_file(path, 1)
        return
    for index, raw in enumerate(data):
        if not isinstance(raw, LocatedDict):
            report.add(Problem(str(path), data.line_of(index), "mỗi mục phải là một bảng khóa"))
            continue
        entry = _parse_entry(str(path), raw, report)
        if entry is None:
            if isinstance(raw.get("id"), str):
                lost.entries.setdefault(raw["id"], (str(path), raw.line))
            continue
        if entry.id in entries:
            first = entries[entry.id]
            where = f"{first.file}:{first.line}"
            report.add(Problem(entry.file, entry.line, f"id '{entry.id}' trùng với {where}"))
            continue
        entries[entry.id] = entry


def _parse_entry(name: str, raw: LocatedDict, report: LoadReport) -> Entry | None:
    """Check one entry's keys and values; None if it has any error."""
    errors_before = len(report.errors)
    for key in raw:
        if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS:
            report.add(Problem(name, raw.line_of(key), f"khóa lạ '{key}' (được phép: "
                               f"{', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)})"))
    for key in REQUIRED_KEYS:
        if key not in raw:
            report.add(Problem(name, raw.line, f"thiếu khóa bắt buộc '{key}'"))
    if len(report.errors) > errors_before:
        return None

    entry_id = raw["id"]
    if not isinstance(entry_id, str) or not ID_PATTERN.match(entry_id):
        report.add(Problem(name, raw.line_of("id"), f"id '{entry_id}' phải là slug a-z, 0-9, '-'"))
    for key in ("category", "question"):
        if not _nonempty_str(raw[key]):
            report.add(Problem(name, raw.line_of(key), f"'{key}' phải là chuỗi không rỗng"))
    variants = _string_list(name, raw, "variants", report)
    keywords = _string_list(name, raw, "keywords", report)
    related = _string_list(name, raw, "related", report)
    answer = _check_answer(name, raw, report)
    sources = _parse_sources(name, raw, report)
    links = _parse_links(name, raw, report)
    updated = raw["updated"]
    if not isinstance(updated, date):
        report.add(Problem(name, raw.line_of("updated"), f"'updated': {date_problem(updated)}"))
    review_by = raw.get("review_by")
    if review_by is not None and not isinstance(review_by, date):
        report.add(Problem(name, raw.line_of("review_by"),
                           f"'review_by': {date_problem(review_by, '2026-12-31')}"))
    if len(report.errors) > errors_before:
        return None
    if len(variants) < MIN_VARIANTS:
        report.add(Problem(name, raw.line_of("variants"),
                           f"chỉ có {len(variants)} cách hỏi khác; nên có ít nhất {MIN_VARIANTS}",
                           "warning"))
    return Entry(
        id=entry_id, category=raw["category"], question=_nfc(raw["question"]),
        variants=tuple(variants), answer=answer, sources=tuple(sources), updated=updated,
        links=tuple(links), keywords=tuple(keywords), related=tuple(related),
        review_by=review_by, file=name, line=raw.line,
    )  # fmt: skip


def _check_answer(name: str, raw: LocatedDict, report: LoadReport) -> str:
    line = raw.line_of("answer")
    answer = raw["answer"]
    if not _nonempty_str(answer):
        report.add(Problem(name, line, "câu trả lời trống"))
        return ""
    for index, text in enumerate(answer.splitlines()):
        for problem in unknown_placeholders(text):
            report.add(Problem(name, raw.text_line_of("answer", index), f"câu trả lời: {problem}"))
    answer = _nfc(answer).strip()
    if len(answer) > MAX_ANSWER_CHARS:
        report.add(Problem(name, line, f"câu trả lời dài {len(answer)} ký tự, quá giới hạn "
                                       f"{MAX_ANSWER_CHARS} của một tin nhắn"))
    elif len(answer) > ZALO_MESSAGE_CHARS:
        report.add(Problem(name, line, f"câu trả lời dài {len(answer)} ký tự: Zalo sẽ tách "
                                       f"thành nhiều tin ({ZALO_MESSAGE_CHARS} ký tự mỗi tin)",
                           "warning"))
    return answer


def _string_list(name: str, raw: LocatedDict, key: str, report: LoadReport) -> list[str]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(_nonempty_str(v) for v in value):
        report.add(Problem(name, raw.line_of(key), f"'{key}' phải là danh sách chuỗi không rỗng"))
        return []
    return [_nfc(v).strip() for v in value]


def _parse_sources(name: str, raw: LocatedDict, report: LoadReport) -> list[Source]:
    value = raw["sources"]
    line = raw.line_of("sources")
    if not isinstance(value, LocatedList) or not value:
        report.add(Problem(name, line, "'sources' cần ít nhất một nguồn {url, read}"))
        return []
    sources = []
    for index, item in enumerate(value):
        item_line = value.line_of(index)
        if not isinstance(item, dict) or not _is_url(item.get("url")):
            report.add(Problem(name, item_line, "mỗi nguồn cần 'url' bắt đầu bằng http(s)://"))
            continue
        read = item.get("read")
        if isinstance(read, ImpossibleDate):
            report.add(Problem(name, item_line, f"'read': {read.reason}"))
            continue
        if not isinstance(read, date):
            report.add(Problem(name, item_line, "nguồn thiếu ngày đọc 'read'", "warning"))
            read = None
        sources.append(Source(item["url"], read, str(item.get("title") or ""), item_line))
    return sources


def _parse_links(name: str, raw: LocatedDict, report: LoadReport) -> list[Link]:
    value = raw.get("links")
    if value is None:
        return []
    if not isinstance(value, LocatedList):
        report.add(Problem(name, raw.line_of("links"), "'links' phải là danh sách {title, url}"))
        return []
    links = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not _nonempty_str(item.get("title")) or not _is_url(
            item.get("url")
        ):
            report.add(Problem(name, value.line_of(index), "mỗi liên kết cần 'title' và 'url'"))
            continue
        links.append(Link(_nfc(item["title"]), item["url"]))
    return links


def _check_cross_references(
    entries: dict[str, Entry], category_ids: set[str], report: LoadReport, lost: _Lost
) -> None:
    for entry in entries.values():
        if entry.category not in category_ids and not lost.consequences.explains(
            lost.every_category or lost.categories.get(entry.category),
            f"danh mục của '{entry.id}'",
        ):
            report.add(Problem(entry.file, entry.line,
                               f"danh mục '{entry.category}' không có trong {CATEGORIES_FILE}"))
        for related_id in entry.related:
            if related_id not in entries and not lost.consequences.explains(
                lost.entries.get(related_id), f"related '{related_id}' của '{entry.id}'"
            ):
                report.add(Problem(entry.file, entry.line,
                                   f"related: không có mục nào có id '{related_id}'"))
    for problem in lost.consequences.problems():
        report.add(problem)


def _check_variant_collisions(
    entries: dict[str, Entry], normalizer: Normalizer, report: LoadReport
) -> None:
    """The same phrasing under two entries would make the matcher flip a coin."""
    # All at once (the matcher then finds them in the normaliser's memory).
    normalizer.normalize_many(p for entry in entries.values() for p in entry.phrasings)
    owner: dict[str, Entry] = {}
    for entry in entries.values():
        for phrasing in dict.fromkeys(entry.phrasings):
            key = normalizer.normalize(phrasing).text
            other = owner.setdefault(key, entry)
            if other is not entry:
                report.add(Problem(entry.file, entry.line,
                                   f"cách hỏi '{phrasing}' trùng với mục '{other.id}' "
                                   f"({other.file}:{other.line})"))
    for a, b in _near_duplicate_questions(entries, normalizer):
        report.add(Problem(b.file, b.line,
                           f"câu hỏi gần giống hệt mục '{a.id}' ({a.file}:{a.line})", "warning"))


def _check_offtopic_collisions(
    name: str,
    offtopic: list[tuple[str, int]],
    entries: dict[str, Entry],
    normalizer: Normalizer,
    report: LoadReport,
) -> None:
    """A question cannot be both off-topic and a way of asking an entry."""
    if not offtopic:
        return
    owners = {normalizer.normalize(p).text: e for e in entries.values() for p in e.phrasings}
    for question, line in offtopic:
        entry = owners.get(normalizer.normalize(question).text)
        if entry is not None:
            report.add(Problem(name, line, f"'{question}' đã là cách hỏi của mục "
                               f"'{entry.id}' ({entry.file}:{entry.line})"))


def _near_duplicate_questions(
    entries: dict[str, Entry], normalizer: Normalizer
) -> list[tuple[Entry, Entry]]:
    """Pairs of entries whose questions differ by a few characters.

    Comparing every pair is quadratic (minutes for 10,000 entries). Nearly identical
    texts sort next to each other, forwards or, when they differ at the start, backwards;
    so each question is compared with its few neighbours in both orders.
    """
    questions = [(normalizer.normalize(e.question).text, e) for e in entries.values()]
    pairs: dict[tuple[str, str], tuple[Entry, Entry]] = {}
    for key in (lambda q: q[0], lambda q: q[0][::-1]):
        ordered = sorted(questions, key=key)
        for i, (text_a, a) in enumerate(ordered):
            for text_b, b in ordered[i + 1 : i + 1 + NEIGHBOURS_COMPARED]:
                if text_a != text_b and fuzz.ratio(text_a, text_b) >= NEAR_DUPLICATE_QUESTION:
                    first, second = sorted((a, b), key=lambda e: (e.file, e.line))
                    pairs[(first.id, second.id)] = (first, second)
    return list(pairs.values())


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
