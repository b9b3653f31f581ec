"""Facts that expire carry `review_by`: admins are told a month ahead, and after the date
the check fails until someone re-reads the sources."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge.loader import KnowledgeLoadError, load_knowledge_base
from knowledge.review_dates import entries_due, review_problems
from tests.faq_files import entry_yaml

VARIANTS = ["cách một", "cách hai", "cách ba", "cách bốn"]


@pytest.fixture
def dated_kb(make_faq_dir, normalizer):
    """Three entries: one due on 31/12/2026, one on 28/02/2027, one undated."""
    folder = make_faq_dir({"a.yaml": (
        entry_yaml("giam-le-phi", "Giảm lệ phí đến khi nào?", VARIANTS, review_by="2026-12-31")
        + entry_yaml("mien-phi", "Ai được miễn phí?", ["m một", "m hai", "m ba", "m bốn"],
                     review_by="2027-02-28")
        + entry_yaml("khong-han", "Làm thẻ ở đâu?", ["k một", "k hai", "k ba", "k bốn"])
    )})
    kb, _ = load_knowledge_base(folder, normalizer)
    return kb


def test_the_loader_accepts_review_by_as_a_date(dated_kb):
    assert dated_kb.get("giam-le-phi").review_by == date(2026, 12, 31)
    assert dated_kb.get("khong-han").review_by is None


def test_review_by_that_is_not_a_date_is_an_error_at_its_line(make_faq_dir, normalizer):
    folder = make_faq_dir({"a.yaml": entry_yaml("mot", "Hỏi?", VARIANTS, review_by="sớm")})
    with pytest.raises(KnowledgeLoadError) as caught:
        load_knowledge_base(folder, normalizer)
    (error,) = [str(p) for p in caught.value.report.errors]
    assert error == f"{folder / 'a.yaml'}:15: 'review_by': 'sớm' phải là ngày dạng 2026-12-31"


def test_nothing_is_due_more_than_30_days_ahead(dated_kb):
    assert entries_due(dated_kb, date(2026, 11, 30)) == []
    assert review_problems(dated_kb, date(2026, 11, 30)) == []


def test_entries_are_due_from_30_days_before_soonest_first(dated_kb):
    due = entries_due(dated_kb, date(2027, 1, 29))
    assert [(d.entry.id, d.days_left) for d in due] == [("giam-le-phi", -29), ("mien-phi", 30)]
    assert entries_due(dated_kb, date(2026, 12, 1))[0].days_left == 30


def test_an_approaching_date_is_a_warning_and_a_past_one_an_error(dated_kb):
    (warning,) = review_problems(dated_kb, date(2026, 12, 28))
    assert warning.severity == "warning"
    assert "mục 'giam-le-phi': hạn xem lại 31/12/2026, còn 3 ngày" in warning.message
    on_the_day = review_problems(dated_kb, date(2026, 12, 31))
    assert [p.severity for p in on_the_day] == ["warning"]
    (error,) = review_problems(dated_kb, date(2027, 1, 1))
    assert error.severity == "error" and "đã quá 1 ngày" in error.message
    assert str(error).startswith(f"{dated_kb.get('giam-le-phi').file}:1: ")
