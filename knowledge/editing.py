"""Admin edits written back into the FAQ files: new variants, questions marked off-topic,
an entry changed in the web console's form.

Files are rewritten with ruamel.yaml's round-trip mode, which keeps every comment, the key
order and the block style admins wrote; only the changed lines appear in a diff. An edit is
validated like any hand edit, before anything is written: the whole folder is loaded again
in a scratch copy holding the changed file, and only a clean load lets the change reach
the real file (replaced in one step, so a reload never reads half a file).
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from foundations.yaml_edit import file_version, replace_file, round_trip_value
from knowledge.loader import OFFTOPIC_FILE, KnowledgeLoadError, Problem, load_knowledge_base
from knowledge.model import KnowledgeBase
from knowledge.normalize import Normalizer

REDACTION_MARK = re.compile(r"\[(?:số định danh|số điện thoại|email|mật khẩu)\]")
OFFTOPIC_HEADER = (
    "# Câu hỏi ngoài phạm vi của Trợ lý 06: bot không được trả lời chúng bằng một mục nào.\n"
    "# Mỗi dòng là một câu hỏi; `troly06 kb review` thêm câu vào đây.\n"
)


class EditError(Exception):
    """An edit that cannot be made; the message is one Vietnamese line (or the loader's
    `file:line: problem` lines) and the files are unchanged."""


@dataclass(frozen=True)
class EditResult:
    file: Path
    added: tuple[str, ...]
    skipped: tuple[str, ...]  # already a phrasing somewhere, or nothing left after redaction


def attach_variants(
    faq_dir: Path, kb: KnowledgeBase, normalizer: Normalizer, entry_id: str, texts: list[str]
) -> EditResult:
    """Add the questions as variants of `entry_id`, in the file the entry lives in."""
    entry = kb.get(entry_id)
    if entry is None:
        raise EditError(f"Không có mục nào có id '{entry_id}'.")
    added, skipped = _new_questions(kb, normalizer, texts)
    path = Path(entry.file)
    if added:
        _write_checked(faq_dir, path, _with_variants(path, entry_id, added), normalizer)
    return EditResult(path, tuple(added), tuple(skipped))


def mark_offtopic(
    faq_dir: Path, kb: KnowledgeBase, normalizer: Normalizer, texts: list[str]
) -> EditResult:
    """Add the questions to the off-topic list the matcher must never answer."""
    added, skipped = _new_questions(kb, normalizer, texts)
    path = faq_dir / OFFTOPIC_FILE
    if added:
        _write_checked(faq_dir, path, _with_offtopic(path, added), normalizer)
    return EditResult(path, tuple(added), tuple(skipped))


def _new_questions(
    kb: KnowledgeBase, normalizer: Normalizer, texts: list[str]
) -> tuple[list[str], list[str]]:
    """Texts cleaned of redaction marks, split into new ones and ones already known."""
    known = {normalizer.normalize(p).text for e in kb.entries.values() for p in e.phrasings}
    known.update(normalizer.normalize(q).text for q in kb.offtopic)
    added, skipped = [], []
    for text in texts:
        clean = " ".join(REDACTION_MARK.sub(" ", text).split())
        key = normalizer.normalize(clean).text
        if not key or key in known:
            skipped.append(text)
        else:
            known.add(key)
            added.append(clean)
    return added, skipped


def _with_variants(path: Path, entry_id: str, texts: list[str]) -> str:
    """The file with the new variants after the entry's last one, indented like it."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    data = YAML().load("".join(lines))  # round-trip nodes know their line and column
    entry = _find_entry(data, entry_id)
    variants = entry.get("variants") if entry is not None else None
    if not isinstance(variants, CommentedSeq) or not variants:
        raise EditError(f"{path}: mục '{entry_id}' không có danh sách 'variants' để thêm vào.")
    line, column = variants.lc.item(len(variants) - 1)
    return _with_items(lines, line + 1, column - 2, texts)


def _with_offtopic(path: Path, texts: list[str]) -> str:
    """The off-topic list with the questions at its end (a new file gets a header)."""
    text = path.read_text(encoding="utf-8") if path.exists() else OFFTOPIC_HEADER
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    data = YAML().load(text)
    column = data.lc.item(0)[1] - 2 if isinstance(data, CommentedSeq) and data else 0
    return _with_items(lines, len(lines), column, texts)


def _with_items(lines: list[str], at: int, column: int, texts: list[str]) -> str:
    """`texts` as list items at line index `at`; every other byte stays as it was.

    ruamel.yaml formats each item (quoting what YAML would misread, like "a: b"); the
    items are spliced in as text so the admin's own layout is never re-flowed.
    """
    yaml = YAML()
    yaml.width = 4096  # never wrap a long question
    items = []
    for text in texts:
        out = io.StringIO()
        yaml.dump([text], out)
        items.append(" " * column + out.getvalue())
    return "".join(lines[:at] + items + lines[at:])


def save_entry(
    faq_dir: Path,
    kb: KnowledgeBase,
    normalizer: Normalizer,
    entry_id: str,
    changes: Mapping[str, object],
    version: str | None = None,
) -> list[Problem]:
    """Set the entry's keys to `changes` (None removes a key) in the file it lives in.

    Values are written as given: a date as a YAML date, anything else as a string or a
    list, so a typed '2026-13-45' reaches the loader as text and is reported exactly as a
    hand edit would be. Returns the warnings the load found in that file.
    """
    entry = kb.get(entry_id)
    if entry is None:
        raise EditError(f"Không có mục nào có id '{entry_id}'.")
    path = Path(entry.file)
    if version is not None and version != file_version(path):
        raise EditError(f"{path}: tệp đã được sửa từ lúc mở biểu mẫu; mở lại mục rồi sửa lại.")
    warnings = _write_checked(faq_dir, path, _with_entry(path, entry_id, changes), normalizer)
    return [problem for problem in warnings if problem.file == str(path)]


def entry_as_written(path: Path, entry_id: str) -> Mapping[str, object]:
    """The entry's keys as its file has them: the served entry has `{local.…}` filled in,
    which an edit must not write back."""
    entry = _find_entry(_round_trip_yaml().load(path.read_text(encoding="utf-8")), entry_id)
    if entry is None:
        raise EditError(f"{path}: không tìm thấy mục '{entry_id}' trong tệp.")
    return entry


def _round_trip_yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never wrap a long answer line
    yaml.indent(mapping=2, sequence=4, offset=2)  # nested lists as the shipped files write them
    return yaml


def _find_entry(data: object, entry_id: str) -> CommentedMap | None:
    """The entry's round-trip mapping in a loaded FAQ file, if it is there."""
    items = data if isinstance(data, CommentedSeq) else []
    return next((item for item in items if isinstance(item, CommentedMap)
                 and item.get("id") == entry_id), None)  # fmt: skip


def _with_entry(path: Path, entry_id: str, changes: Mapping[str, object]) -> str:
    """The file with one entry's keys changed in place: its other keys, their order and
    comments, and every other entry stay as they were."""
    yaml = _round_trip_yaml()
    data = yaml.load(path.read_text(encoding="utf-8"))
    entry = _find_entry(data, entry_id)
    if entry is None:
        raise EditError(f"{path}: không tìm thấy mục '{entry_id}' trong tệp.")
    for key, value in changes.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = round_trip_value(entry.get(key), value)
    out = io.StringIO()
    yaml.dump(data, out)
    # ruamel indents the top-level list too; the files start their items at their own column
    extra = 4 - data.lc.item(0)[1]
    return "".join(line[extra:] if line.startswith(" " * extra) else line
                   for line in out.getvalue().splitlines(keepends=True))  # fmt: skip


def _write_checked(faq_dir: Path, path: Path, text: str, normalizer: Normalizer) -> list[Problem]:
    """Load the folder with `text` in place of `path` (in a scratch copy); write `text` only
    if that load is clean. Problems name the real files; the warnings are returned."""
    with tempfile.TemporaryDirectory(prefix="troly06-faq-") as scratch:
        copy = Path(scratch) / "faq"
        shutil.copytree(faq_dir, copy)
        (copy / path.name).write_text(text, encoding="utf-8")
        try:
            _, report = load_knowledge_base(copy, normalizer)
        except KnowledgeLoadError as exc:
            raise EditError("\n".join(str(_in_folder(p, copy, faq_dir))
                                      for p in exc.report.errors)) from exc  # fmt: skip
    replace_file(path, text)
    return [_in_folder(p, copy, faq_dir) for p in report.warnings]


def _in_folder(problem: Problem, scratch: Path, faq_dir: Path) -> Problem:
    """The problem as it reads in the real folder rather than the scratch copy."""
    if not problem.file.startswith(str(scratch)):
        return problem
    return dataclasses.replace(problem, file=str(faq_dir) + problem.file[len(str(scratch)):])
