"""Tasks created or changed by an admin (the web console), written into the task files.

Like the FAQ edits of knowledge.editing: the change is made with ruamel.yaml's round-trip
mode (comments, key order and each file's own indentation kept), then every task file is
read again with the changed one in a scratch copy, exactly as `troly06 tasks check` reads
them; only a clean read lets the change reach the real file. Tasks made in chat
(/taonhiemvu) live only in the database and are not edited here.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from foundations.yaml_edit import file_version, replace_file, round_trip_value
from scheduler.files import RECURRENCE_KEYS, load_roster

EDITED_KEYS = ("title", "description", "legal_basis", *RECURRENCE_KEYS, "quarter_month",
               "time", "groups", "units")  # fmt: skip


class TaskEditError(Exception):
    """A task change that cannot be made: one Vietnamese line, or the task files' own
    `file:line: problem` lines; the files are unchanged."""


def task_as_written(files: Iterable[Path], task_id: str) -> tuple[Path, Mapping[str, object]]:
    """The file defining the task and the task's keys as written there."""
    for path in files:
        task = _find_task(_load(path)[0], task_id)
        if task is not None:
            return path, task
    raise TaskEditError(f"Không có nhiệm vụ '{task_id}' trong các tệp nhắc việc (nhiệm vụ "
                        "tạo bằng /taonhiemvu không sửa ở đây).")  # fmt: skip


def save_task(
    files: list[Path],
    levels: Iterable[str],
    default_time: str,
    tz: ZoneInfo,
    task_id: str | None,
    values: Mapping[str, object],
    version: str | None = None,
) -> Path:
    """Create (`task_id` None: `values` has the new id) or change a task; returns its file.

    Every key of EDITED_KEYS not in `values` is removed from the task, so a task that
    changes from `monthly` to `due` loses its old recurrence.
    """
    if not files:
        raise TaskEditError("Chưa khai báo tệp nhắc việc nào (scheduler.files).")
    if task_id is None:
        path = next((p for p in files if "tasks" in (_load(p)[0] or {})), files[0])
    else:
        path = task_as_written(files, task_id)[0]
        if version is not None and version != file_version(path):
            raise TaskEditError(f"{path}: tệp đã được sửa từ lúc mở biểu mẫu; mở lại nhiệm vụ "
                                "rồi sửa lại.")  # fmt: skip
    text = _with_task(path, task_id, values)
    _check(files, path, text, levels, default_time, tz)
    replace_file(path, text)
    return path


def _load(path: Path) -> tuple[object, YAML]:
    """The file's round-trip data, and a dumper set to the indentation the file uses."""
    data, indent, block_seq_indent = load_yaml_guess_indent(path.read_text(encoding="utf-8"))
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=indent or 2, offset=block_seq_indent or 0)
    return data, yaml


def _find_task(data: object, task_id: str) -> CommentedMap | None:
    tasks = data.get("tasks") if isinstance(data, CommentedMap) else None
    items = tasks if isinstance(tasks, CommentedSeq) else []
    return next((item for item in items if isinstance(item, CommentedMap)
                 and str(item.get("id")) == task_id), None)  # fmt: skip


def _with_task(path: Path, task_id: str | None, values: Mapping[str, object]) -> str:
    data, yaml = _load(path)
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise TaskEditError(f"{path}:1: cấp ngoài cùng phải là các mục levels/units/groups/tasks")
    if task_id is None:
        task = CommentedMap(id=values.get("id"))
        data.setdefault("tasks", CommentedSeq()).append(task)
    else:
        task = _find_task(data, task_id)
        if task is None:
            raise TaskEditError(f"{path}: không tìm thấy nhiệm vụ '{task_id}'.")
    for key in EDITED_KEYS:
        value = values.get(key)
        if value in (None, "", [], ()):
            task.pop(key, None)
        elif key == "time":  # quoted: unquoted 17:00 reads as a number in YAML 1.1
            task[key] = DoubleQuotedScalarString(str(value))
        else:
            task[key] = round_trip_value(task.get(key), value)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _check(
    files: list[Path], path: Path, text: str, levels: Iterable[str], default_time: str,
    tz: ZoneInfo,
) -> None:  # fmt: skip
    """Read every task file, `text` standing for `path`, as `troly06 tasks check` does."""
    with tempfile.TemporaryDirectory(prefix="troly06-tasks-") as scratch:
        copy = Path(scratch) / path.name
        copy.write_text(text, encoding="utf-8")
        _, problems = load_roster([copy if p == path else p for p in files], levels,
                                  default_time, tz)  # fmt: skip
        if problems:
            raise TaskEditError("\n".join(
                str(dataclasses.replace(p, file=p.file.replace(str(copy), str(path))))
                for p in problems))  # fmt: skip
