"""Small pieces for editing admins' YAML files in place (the FAQ, the task files) with
ruamel.yaml's round-trip mode, so comments, key order and quoting survive an edit."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString


def round_trip_value(old: object, value: object) -> object:
    """`value` as ruamel should write it: unchanged values and list items as they were
    written, a new multi-line text as a `|` block, a list in the style the old one had
    (`[a, b]` stays on one line), keeping the comment after it."""
    if old is not None and old == value:
        return old  # as written: its quotes, its style, the comment after it
    if isinstance(value, str):
        return LiteralScalarString(value.rstrip("\n") + "\n") if "\n" in value else value
    if isinstance(value, list | tuple):
        olds = list(old) if isinstance(old, CommentedSeq) else []
        new = CommentedSeq(round_trip_value(next((o for o in olds if o == item), None), item)
                           for item in value)  # fmt: skip
        if isinstance(old, CommentedSeq):
            if old.fa.flow_style():
                new.fa.set_flow_style()
            if old and new and len(old) - 1 in old.ca.items:  # the blank line after it
                new.ca.items[len(new) - 1] = old.ca.items[len(old) - 1]
        return new
    if isinstance(value, Mapping):
        return CommentedMap((key, round_trip_value(None, item)) for key, item in value.items())
    return value


def replace_file(path: Path, text: str) -> None:
    """Write `text` to a file beside `path`, then put it in place in one step: a reload
    running meanwhile reads the old file or the new one, never half of one."""
    staged = path.with_name(f".{path.name}.dang-ghi")
    staged.write_text(text, encoding="utf-8")
    os.replace(staged, path)


def file_version(path: Path) -> str:
    """A short digest of a file as it is now: a form opened on an older version of the
    file is refused rather than overwriting what someone else saved meanwhile."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
