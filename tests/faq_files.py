"""Builders for small FAQ folders written on the fly by specs."""

from __future__ import annotations

import textwrap
from pathlib import Path

CATEGORIES = """\
- id: chung
  title: Câu hỏi chung
"""


def entry_yaml(entry_id: str, question: str, variants: list[str], answer: str = "Trả lời.",
               **extra: str) -> str:
    """One FAQ entry as YAML text, with every required key filled in."""
    lines = [f"- id: {entry_id}", "  category: chung", f"  question: {question}", "  variants:"]
    lines += [f"    - {v}" for v in variants]
    lines += ["  answer: |", *[f"    {line}" for line in answer.splitlines()]]
    lines += ["  sources:", "    - url: https://example.gov.vn/a", "      read: 2026-11-22",
              "  updated: 2026-11-22"]
    lines += [f"  {key}: {value}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


def write_faq_dir(folder: Path, files: dict[str, str]) -> Path:
    """Write `{file name: yaml text}` plus a one-category categories file into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "categories.yaml").write_text(CATEGORIES, encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder
