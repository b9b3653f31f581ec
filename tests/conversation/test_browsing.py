"""Browsing categories page by page, choosing a question, and buttons that outlived a reload."""

from __future__ import annotations

from handlers.browse import PAGE_SIZE
from handlers.payloads import MAX_PAYLOAD_BYTES
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


async def test_a_page_beyond_the_last_shows_the_last(say: Say) -> None:
    (reply,) = await say(press="c:dich-vu-cong:99")
    assert "trang 2/2" in reply.text


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


async def test_button_of_an_entry_removed_by_a_reload_gets_a_clear_reply(
    say: Say, knowledge, faq_dir
) -> None:
    path = faq_dir / "vneid-su-co.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("- id: quen-passcode")
    end = text.index("- id: yeu-cau-mat-khau")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    _drop_references(faq_dir, "quen-passcode")
    knowledge.reload()

    (reply,) = await say(press="q:quen-passcode")
    assert "Nút này đã cũ" in reply.text
    assert "menu" in reply.tags
    (reply,) = await say(press="fb:y:quen-passcode:0")
    assert "Nút này đã cũ" in reply.text


async def test_unknown_button_and_unknown_category_get_the_clear_reply(say: Say) -> None:
    for payload in ("zz:1", "c:khong-con:1", "q:", "fb"):
        (reply,) = await say(press=payload)
        assert "Nút này đã cũ" in reply.text, payload


async def test_long_entry_ids_still_fit_the_64_byte_limit(say: Say, knowledge, faq_dir) -> None:
    long_id = "cau-hoi-" + "rat-dai-" * 10 + "cuoi"
    path = faq_dir / "vneid-su-co.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("quen-passcode", long_id),
                    encoding="utf-8")
    _rename_references(faq_dir, "quen-passcode", long_id)
    knowledge.reload()

    (reply,) = await say(press="c:vneid-su-co:1")
    assert all(len(p.encode()) <= MAX_PAYLOAD_BYTES for p in payloads(reply))
    hashed = [p for p in payloads(reply) if p.startswith("q:#")]
    assert len(hashed) == 1
    (answer,) = await say(press=hashed[0])
    assert answer.title == knowledge.kb.entries[long_id].question


def _drop_references(faq_dir, entry_id: str) -> None:
    _rename_references(faq_dir, entry_id, None)


def _rename_references(faq_dir, old: str, new: str | None) -> None:
    """Keep `related:` lists valid after an entry was removed or renamed."""
    for path in faq_dir.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if new is None:
            text = text.replace(f", {old}]", "]").replace(f"[{old}, ", "[").replace(
                f", {old},", ",")
        else:
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
