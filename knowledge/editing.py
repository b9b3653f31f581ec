"""Admin edits written back into the FAQ files: new variants, questions marked off-topic.

Files are rewritten with ruamel.yaml's round-trip mode, which keeps every comment, the key
order and the block style admins wrote; only the new lines appear in a diff. An edit is
validated like any hand edit (the whole folder is loaded again); if that fails the files
are put back exactly as they were and nothing changes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from knowledge.loader import OFFTOPIC_FILE, KnowledgeLoadError, load_knowledge_base
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
        with _validated(faq_dir, path, normalizer):
            _append_variants(path, entry_id, added)
    return EditResult(path, tuple(added), tuple(skipped))


def mark_offtopic(
    faq_dir: Path, kb: KnowledgeBase, normalizer: Normalizer, texts: list[str]
) -> EditResult:
    """Add the questions to the off-topic list the matcher must never answer."""
    added, skipped = _new_questions(kb, normalizer, texts)
    path = faq_dir / OFFTOPIC_FILE
    if added:
        with _validated(faq_dir, path, normalizer):
            _append_offtopic(path, added)
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


def _append_variants(path: Path, entry_id: str, texts: list[str]) -> None:
    """Insert the new variants after the entry's last one, indented like it."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    data = YAML().load("".join(lines))  # round-trip nodes know their line and column
    entry = next((item for item in data or [] if isinstance(item, CommentedMap)
                  and item.get("id") == entry_id), None)  # fmt: skip
    variants = entry.get("variants") if entry is not None else None
    if not isinstance(variants, CommentedSeq) or not variants:
        raise EditError(f"{path}: mục '{entry_id}' không có danh sách 'variants' để thêm vào.")
    line, column = variants.lc.item(len(variants) - 1)
    _insert_items(path, lines, line + 1, column - 2, texts)


def _append_offtopic(path: Path, texts: list[str]) -> None:
    """Add the questions at the end of the off-topic list (a new file gets a header)."""
    text = path.read_text(encoding="utf-8") if path.exists() else OFFTOPIC_HEADER
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    data = YAML().load(text)
    column = data.lc.item(0)[1] - 2 if isinstance(data, CommentedSeq) and data else 0
    _insert_items(path, lines, len(lines), column, texts)


def _insert_items(path: Path, lines: list[str], at: int, column: int, texts: list[str]) -> None:
    """Write `texts` as list items at line index `at`; every other byte stays as it was.

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
    path.write_text("".join(lines[:at] + items + lines[at:]), encoding="utf-8")


@contextmanager
def _validated(faq_dir: Path, path: Path, normalizer: Normalizer) -> Iterator[None]:
    """Make the change, then load the whole folder; on any error put the file back."""
    before = path.read_bytes() if path.exists() else None
    try:
        yield
        load_knowledge_base(faq_dir, normalizer)
    except (KnowledgeLoadError, EditError) as exc:
        if before is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(before)
        raise EditError(str(exc)) from exc
