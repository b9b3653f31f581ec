"""Fixtures for knowledge-base specs: small FAQ folders written on the fly."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge.normalize import Normalizer

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


@pytest.fixture
def normalizer() -> Normalizer:
    return Normalizer.from_file()


@pytest.fixture
def make_faq_dir(tmp_path: Path) -> Callable[..., Path]:
    """Write `{file name: yaml text}` plus a categories file into a fresh FAQ folder."""

    def make(files: dict[str, str]) -> Path:
        folder = tmp_path / "faq"
        folder.mkdir(exist_ok=True)
        (folder / "categories.yaml").write_text(CATEGORIES, encoding="utf-8")
        for name, text in files.items():
            (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
        return folder

    return make
