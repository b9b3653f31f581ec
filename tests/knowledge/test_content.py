"""The shipped knowledge base: it loads cleanly, covers every required topic, and matches
the labelled development set well enough."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.evaluation import evaluate, read_examples
from knowledge.loader import load_knowledge_base
from knowledge.review_dates import entries_due, vietnam_today
from knowledge.sourcing import source_problems

ROOT = Path(__file__).resolve().parents[2]
TOPICS = ROOT.parent / "shared" / "faq-topics.yaml"
DEV_SET = ROOT / "tests" / "data" / "dev.jsonl"


def test_the_shipped_faq_loads_without_errors():
    kb, report = load_knowledge_base()
    assert report.errors == []
    assert len(kb.entries) >= 53


def test_every_entry_cites_a_source_with_a_read_date(shipped_knowledge):
    for entry in shipped_knowledge.kb.entries.values():
        assert entry.sources and all(s.read for s in entry.sources), entry.id


def test_every_source_is_a_trusted_https_page_read_before_the_entry_was_updated(
    shipped_knowledge,
):
    doubtful = [
        str(problem)
        for entry in shipped_knowledge.kb.entries.values()
        for problem in source_problems(entry)
    ]
    assert doubtful == []


def test_no_shipped_entry_is_past_its_review_date(shipped_knowledge):
    """Fails on the day after an entry's `review_by`, on purpose: re-read its sources, fix
    the answer and move the date (knowledge/README.md, "Facts that expire")."""
    overdue = [f"{d.entry.id}: {d.describe()}"
               for d in entries_due(shipped_knowledge.kb, vietnam_today()) if d.overdue]
    assert overdue == []


@pytest.mark.skipif(not TOPICS.exists(), reason=f"{TOPICS} is not beside this clone (CI only)")
def test_every_required_topic_is_an_entry_with_enough_variants(shipped_knowledge):
    topics = yaml.safe_load(TOPICS.read_text(encoding="utf-8"))["topics"]
    kb = shipped_knowledge.kb
    missing = [t["id"] for t in topics if kb.get(t["id"]) is None]
    assert missing == []
    thin = [t["id"] for t in topics if len(kb.get(t["id"]).variants) < 4]
    assert thin == []


def test_dev_set_quality_holds(shipped_knowledge):
    result = evaluate(shipped_knowledge, read_examples(DEV_SET))
    assert result.on_topic >= 200 and result.off_topic >= 30
    assert result.top1_accuracy >= 0.90, result.summary()
    assert result.fallback_rate >= 0.90, result.summary()
    assert result.wrong_answer_rate <= 0.03, result.summary()
