"""Replies several features build: the main menu, an answer card, "this button is outdated".

Kept in one place so the menu looks the same whether it follows /start, a fallback or an
outdated button, and an answer looks the same whether it was browsed or asked.
"""

from __future__ import annotations

from typing import Any

from foundations.messages import Button, Reply
from handlers.payloads import payload, token

MENU = "m"  # payload: show the main menu
HUMAN = "lh"  # payload: where to get human help
QUESTION = "q"  # payload q:<entry>[:<question id>]: show an entry's answer (suggested for it)
CATEGORY = "c"  # payload c:<category>:<page>: list a category's questions
FEEDBACK = "fb"  # payload fb:<y|n>:<entry>:<question id or 0>

MENU_BUTTON = Button("🏠 Menu chính", MENU)
HUMAN_BUTTON = Button("☎️ Liên hệ hỗ trợ", HUMAN)
MAX_LABEL = 60
MAX_RELATED = 3


def label(text: str) -> str:
    """A button label short enough to read on a phone, shortened between words."""
    text = " ".join(text.split())
    if len(text) <= MAX_LABEL:
        return text
    kept = text[: MAX_LABEL - 1]
    if text[MAX_LABEL - 1] != " " and " " in kept:  # the last word would be cut: drop it
        kept = kept.rsplit(" ", 1)[0]
    return kept.rstrip(" ,;:-–") + "…"


def question_button(entry: Any, question_id: int | None = None) -> Button:
    """A button opening an entry; from a suggestion it also names the question it answers,
    so the review learns which entry citizens meant."""
    parts = (token(entry.id), question_id) if question_id else (token(entry.id),)
    return Button(label(entry.question), payload(QUESTION, *parts))


def menu_reply(kb: Any, text: str = "Bạn cần hỗ trợ về chủ đề nào? Chọn một mục bên dưới "
               "hoặc gõ câu hỏi của bạn.") -> Reply:
    """The categories as buttons, one per row, plus the human-help button."""
    rows = [
        (Button(label(category.title), payload(CATEGORY, token(category.id), 1)),)
        for category in kb.categories
    ]
    return Reply(text=text, buttons=(*rows, (HUMAN_BUTTON,)), tags=frozenset({"menu"}))


def answer_reply(kb: Any, entry: Any, question_id: int | None = None) -> Reply:
    """An entry's answer with 👍/👎, up to three related questions and the menu."""
    qid = question_id or 0
    feedback = (
        Button("👍 Hữu ích", payload(FEEDBACK, "y", token(entry.id), qid)),
        Button("👎 Chưa đúng ý", payload(FEEDBACK, "n", token(entry.id), qid)),
    )
    related = [kb.entries[rid] for rid in entry.related if rid in kb.entries][:MAX_RELATED]
    rows = (feedback, *((question_button(item),) for item in related), (MENU_BUTTON,))
    return Reply(
        text=entry.answer.strip(),
        title=entry.question,
        buttons=rows,
        links=tuple(entry.links),
        tags=frozenset({"answer", f"entry:{entry.id}"}),
    )


def outdated_reply(kb: Any) -> Reply:
    """A button whose entry or category no longer exists (the knowledge base changed)."""
    return menu_reply(
        kb,
        "Nút này đã cũ: nội dung vừa được cập nhật nên mục bạn chọn không còn nữa. "
        "Bạn hãy chọn lại trong menu hoặc gõ câu hỏi của mình.",
    )
