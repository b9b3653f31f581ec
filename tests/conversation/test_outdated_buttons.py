"""Buttons that outlive the knowledge they point to, and ids too long for callback data."""

from __future__ import annotations

import pytest

from handlers.payloads import MAX_PAYLOAD_BYTES
from knowledge.service import KnowledgeService
from tests.conversation.conftest import Say, payloads


@pytest.fixture
def knowledge(editable_knowledge: KnowledgeService) -> KnowledgeService:
    return editable_knowledge


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
