"""Local facts in answers: `{local.police_phone}` and its kin, filled from the bot's settings.

One FAQ serves every commune, but "call your commune police" helps a citizen less than the
number itself. An answer therefore writes the generic advice on one line and the local
detail on its own line with placeholders. A line whose placeholders all have a value is
filled; a line with any value missing is dropped, so the citizen reads the generic wording
and never a half-filled sentence. The values come in as plain data: this layer does not
know where the settings live.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import replace

from knowledge.model import KnowledgeBase

# The keys an answer may use; foundations/settings.py's `local:` section has exactly these
# (a test keeps both the same).
LOCAL_KEYS = (
    "unit_name", "police_name", "police_phone", "police_address",
    "one_stop_address", "one_stop_hours", "zalo",
)
# Anything shaped like `{word.word}` is meant as a placeholder, so a typo such as
# `{lcoal.zalo}` is reported instead of reaching a citizen verbatim.
PLACEHOLDER = re.compile(r"\{\s*(\w+)\.(\w*)\s*\}")
KNOWN = {f"local.{key}" for key in LOCAL_KEYS}
BLANK_RUNS = re.compile(r"\n{3,}")


def unknown_placeholders(text: str) -> list[str]:
    """One message per placeholder in `text` that is not `{local.KEY}` with a known KEY."""
    problems = []
    for match in PLACEHOLDER.finditer(text):
        name = f"{match[1]}.{match[2]}"
        if name in KNOWN:
            continue
        close = difflib.get_close_matches(name, sorted(KNOWN), n=1, cutoff=0.6)
        hint = f" (có phải ý bạn là {{{close[0]}}}?)" if close else ""
        problems.append(f"chỗ điền '{match[0]}' không có{hint}; dùng được: "
                        + ", ".join(f"{{local.{key}}}" for key in LOCAL_KEYS))
    return problems


def fill_local(text: str, values: Mapping[str, str]) -> str:
    """`text` with its placeholders filled; lines holding one without a value are dropped."""
    lines = []
    dropped = False
    for line in text.splitlines():
        keys = [match[2] for match in PLACEHOLDER.finditer(line)]
        if not all(values.get(key) for key in keys):
            dropped = True
            continue
        lines.append(PLACEHOLDER.sub(lambda match: values[match[2]], line))
    filled = "\n".join(lines)
    return BLANK_RUNS.sub("\n\n", filled).strip() if dropped else filled


def with_local_facts(kb: KnowledgeBase, values: Mapping[str, str]) -> KnowledgeBase:
    """The knowledge base with every answer's local facts filled in (or their lines dropped)."""
    entries = {
        entry_id: replace(entry, answer=fill_local(entry.answer, values))
        if PLACEHOLDER.search(entry.answer) else entry
        for entry_id, entry in kb.entries.items()
    }
    return replace(kb, entries=entries)
