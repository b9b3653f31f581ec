"""Browsing categories page by page and choosing a question."""

from __future__ import annotations

import math

from handlers.browse import PAGE_SIZE
from handlers.replies import MAX_LABEL, question_button
from tests.conversation.conftest import Say, payloads


async def test_category_lists_its_questions_a_page_at_a_time(say: Say, knowledge) -> None:
    entries = knowledge.kb.in_category("dich-vu-cong")
    assert len(entries) > PAGE_SIZE, "the shipped FAQ should need two pages here"
    (page1,) = await say(press="c:dich-vu-cong:1")
    assert page1.title == "Dịch vụ công trực tuyến"
    assert payloads(page1)[:PAGE_SIZE] == [f"q:{e.id}" for e in entries[:PAGE_SIZE]]
    assert "c:dich-vu-cong:2" in payloads(page1)
    assert "c:dich-vu-cong:0" not in payloads(page1)

    (page2,) = await say(press="c:dich-vu-cong:2")
    assert payloads(page2)[0] == f"q:{entries[PAGE_SIZE].id}"
    assert "c:dich-vu-cong:1" in payloads(page2)


async def test_a_page_beyond_the_last_shows_the_last(say: Say, knowledge) -> None:
    last = math.ceil(len(knowledge.kb.in_category("dich-vu-cong")) / PAGE_SIZE)
    (reply,) = await say(press="c:dich-vu-cong:99")
    assert f"trang {last}/{last}" in reply.text


async def test_choosing_a_question_shows_its_answer_with_feedback_and_related(
    say: Say, knowledge
) -> None:
    entry = knowledge.kb.entries["quen-mat-khau"]
    (reply,) = await say(press="q:quen-mat-khau")
    assert reply.title == entry.question
    assert reply.text == entry.answer.strip()
    assert reply.links == tuple(entry.links)
    assert payloads(reply)[:2] == ["fb:y:quen-mat-khau:0", "fb:n:quen-mat-khau:0"]
    related = [p for p in payloads(reply) if p.startswith("q:")]
    assert related == [f"q:{rid}" for rid in entry.related][:3]


async def test_unknown_button_and_unknown_category_get_the_clear_reply(say: Say) -> None:
    for payload in ("zz:1", "c:khong-con:1", "q:", "fb"):
        (reply,) = await say(press=payload)
        assert "Nút này đã cũ" in reply.text, payload


async def test_long_question_titles_are_shortened_between_words(knowledge) -> None:
    shortened = 0
    for entry in knowledge.kb.entries.values():
        question = " ".join(entry.question.split())
        shown = question_button(entry).label
        if shown == question:
            continue
        shortened += 1
        kept = shown.removesuffix("…")
        assert shown.endswith("…") and len(shown) <= MAX_LABEL
        assert question.startswith(kept), shown
        assert question[len(kept)] in " ,;:-–", shown  # the word before "…" is whole
    assert shortened  # the shipped FAQ has questions longer than a label
