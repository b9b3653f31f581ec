"""YAML loading that remembers line numbers, so data-file problems read `file:line: problem`.

Admins edit FAQ and task files by hand; an error message that points at the exact line is
what lets them fix it without help. Both the knowledge base and the scheduler files use this.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml


class LocatedDict(dict):
    """A mapping from YAML that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]
    literal_lines: dict[str, int]  # first text line of each `key: |` block

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    def text_line_of(self, key: str, index: int) -> int:
        """The line of the `index`-th line of a `key: |` text; the key's line otherwise."""
        first = self.literal_lines.get(key)
        return first + index if first is not None else self.line_of(key)


class LocatedList(list):
    """A sequence from YAML that knows its own line and each item's line (1-based)."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or doubtful) in a data file."""

    file: str
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else "cảnh báo: "
        return f"{self.file}:{self.line}: {prefix}{self.message}"


class Consequences:
    """Problems elsewhere that one broken place causes, reported once at that place.

    When a file or an item fails to load, everything that refers to it fails too: one typo
    would bury itself under dozens of follow-on errors. Readers count such references
    here and report one line where the real problem is.
    """

    SHOWN = 3

    def __init__(self) -> None:
        self.references: dict[tuple[str, int], list[str]] = {}

    def explains(self, where: tuple[str, int] | None, reference: str) -> bool:
        """Count `reference` as a consequence of the problem at `where`, if there is one."""
        if where is None:
            return False
        self.references.setdefault(where, []).append(reference)
        return True

    def problems(self) -> list[Problem]:
        problems = []
        for (file, line), references in self.references.items():
            unique = list(dict.fromkeys(references))
            shown = ", ".join(unique[: self.SHOWN]) + (", …" if len(unique) > self.SHOWN else "")
            problems.append(Problem(file, line, f"vì lỗi ở đây, {len(references)} tham chiếu từ "
                                                f"chỗ khác cũng hỏng ({shown}); sẽ hết khi sửa "
                                                f"lỗi này"))
        return problems


DECLARED_ID = re.compile(r"""(?:^|[{,\s])id:\s*['"]?([A-Za-z0-9][\w.-]*)""", re.MULTILINE)


def declared_ids(path: Path) -> list[str]:
    """The ids a file that could not be parsed meant to declare, read from its raw text."""
    try:
        return DECLARED_ID.findall(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:  # already reported as unreadable
        return []


STR_TAG = "tag:yaml.org,2002:str"
MAPPING_TAG = yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG
SEQUENCE_TAG = yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# First characters of a plain scalar that might be something other than text (a number, a
# date, a boolean, null...). The only ones that are letters start a boolean or null, five
# letters at most ("false").
_TYPED_FROM = frozenset(key for key in _SafeLoader.yaml_implicit_resolvers if key)
_LONGEST_TYPED_WORD = 5


def _plain_text(value: str) -> bool:
    """Whether an unquoted scalar is text whatever PyYAML's implicit types say."""
    return bool(value) and (value[0] not in _TYPED_FROM or (
        len(value) > _LONGEST_TYPED_WORD and value[0].isalpha()))  # fmt: skip


class _LineLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """Safe loader whose mappings and sequences carry line numbers and report duplicate keys.

    Built on libyaml's parser when PyYAML has it (its wheels do): ten times faster on large
    FAQ files, with the same marks and the same safe constructors.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[tuple[int, str]] = []
        self._building: set[int] = set()  # the collections being built, to refuse a cycle

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        """The tag of a node, with plain text decided without PyYAML's regular expressions.

        A FAQ file of 100,000 phrasings holds some 260,000 scalars, nearly all of them text
        starting with a letter no implicit type starts with; PyYAML's own `resolve` tried
        its rules on each. The answer is the same: text is `str`.
        """
        if kind is yaml.ScalarNode and (not implicit[0] or _plain_text(value)):
            return STR_TAG
        return super().resolve(kind, value, implicit)

    def build(self, node: yaml.Node) -> Any:
        """The Python value of a node: text, mappings and sequences built here directly,
        anything else (dates, numbers, booleans, null, other tags) by PyYAML's constructors.

        PyYAML's generic `construct_object` bookkeeping (caches, recursion and state
        generators per node) cost more than the parsing on large files.
        """
        tag = node.tag
        if tag == STR_TAG and isinstance(node, yaml.ScalarNode):
            return node.value
        if tag == MAPPING_TAG and isinstance(node, yaml.MappingNode):
            return self._guarded(node, self._build_mapping)
        if tag == SEQUENCE_TAG and isinstance(node, yaml.SequenceNode):
            return self._guarded(node, self._build_sequence)
        return self.construct_object(node, deep=True)

    def _guarded(self, node: yaml.Node, build: Callable[[Any], Any]) -> Any:
        """Build a collection, refusing one that contains itself through an alias."""
        if id(node) in self._building:
            raise yaml.constructor.ConstructorError(
                None, None, "found unconstructable recursive node", node.start_mark)
        self._building.add(id(node))
        try:
            return build(node)
        finally:
            self._building.discard(id(node))

    def _build_mapping(self, node: yaml.MappingNode) -> LocatedDict:
        result = LocatedDict()
        result.line = node.start_mark.line + 1
        result.key_lines = key_lines = {}
        result.literal_lines = {}
        build = self.build
        for key_node, value_node in node.value:
            key = build(key_node)
            if not isinstance(key, Hashable):  # `[a, b]: 1`: reported, not a TypeError
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, "found unhashable key",
                    key_node.start_mark)
            line = key_node.start_mark.line + 1
            if key in result:
                self.duplicate_keys.append((line, str(key)))
            result[key] = build(value_node)
            key_lines[str(key)] = line
            if isinstance(value_node, yaml.ScalarNode) and value_node.style == "|":
                result.literal_lines[str(key)] = value_node.start_mark.line + 2
        return result

    def _build_sequence(self, node: yaml.SequenceNode) -> LocatedList:
        result = LocatedList(map(self.build, node.value))
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


class ImpossibleDate(str):
    """A scalar written like a date that no calendar has (`2026-13-01`, `2026-02-30`).

    PyYAML raises a bare ValueError on it, which would escape as a traceback; it is kept
    as text instead, so the file's reader reports it at its line like any other problem.
    """

    @property
    def reason(self) -> str:
        """What is impossible about it, in Vietnamese."""
        match = re.match(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})", self)
        if match is not None:
            year, month, day = (int(part) for part in match.groups())
            if not 1 <= month <= 12:
                return f"'{self}' là ngày không có thật (không có tháng {month})"
            try:
                date(year, month, day)
            except ValueError:
                return f"'{self}' là ngày không có thật (tháng {month}/{year} không có ngày {day})"
        return f"'{self}' không phải ngày giờ có thật"


def date_problem(value: Any, example: str = "2026-11-22") -> str:
    """Why `value` is not a usable date: an impossible one named as such, else the form."""
    if isinstance(value, ImpossibleDate):
        return value.reason
    return f"'{value}' phải là ngày dạng {example}"


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return ImpossibleDate(loader.construct_scalar(node))


_LineLoader.add_constructor(MAPPING_TAG, _LineLoader.build)
_LineLoader.add_constructor(SEQUENCE_TAG, _LineLoader.build)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def load_located_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """Parse one file; syntax errors and duplicate keys come back as problems, never raised."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, 1, f"không đọc được tệp ({exc})")]
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.build(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(name, line, f"lỗi cú pháp YAML: {reason}")]
    finally:
        loader.dispose()
    problems = [
        Problem(name, line, f"khóa '{key}' bị lặp lại trong cùng một mục")
        for line, key in loader.duplicate_keys
    ]
    return data, problems
