"""Free-text questions: answered, suggested or an honest fallback; and 👍/👎 feedback."""

from __future__ import annotations

from typing import TYPE_CHECKING

from foundations.messages import Button, Reply
from foundations.privacy import redact
from handlers.payloads import resolve
from handlers.replies import (
    FEEDBACK,
    HUMAN_BUTTON,
    MENU_BUTTON,
    answer_reply,
    menu_reply,
    outdated_reply,
    question_button,
)
from handlers.router import Context, Router

if TYPE_CHECKING:
    from knowledge.service import MatchResult

router = Router("faq")

NOT_THESE = "nf"  # payload: none of the suggestions fits

SUGGEST_TEXT = "Có phải bạn muốn hỏi một trong các câu sau?"
FALLBACK_TEXT = (
    "Xin lỗi, mình chưa chắc hiểu đúng câu hỏi của bạn nên không muốn trả lời sai. "
    "Bạn có thể hỏi lại ngắn gọn hơn, hoặc chọn một chủ đề bên dưới, trong đó có "
    f"“{HUMAN_BUTTON.label}” để được cán bộ hướng dẫn trực tiếp."
)


@router.text()
async def ask(ctx: Context) -> list[Reply]:
    """Match the question against the knowledge base and answer, suggest or fall back."""
    result = ctx.services.knowledge.match(ctx.text)
    question_id = _record(ctx, result)
    if result.outcome == "answered" and result.entry is not None:
        return [answer_reply(ctx.kb, result.entry, question_id)]
    if result.outcome == "suggested" and result.suggestions:
        rows = [(question_button(c.entry, question_id),) for c in result.suggestions]
        rows.append((Button("Không phải các câu trên", NOT_THESE),))
        return [Reply(text=SUGGEST_TEXT, buttons=tuple(rows), tags=frozenset({"suggested"}))]
    return [fallback_reply(ctx)]


@router.button(NOT_THESE)
async def none_fits(ctx: Context) -> list[Reply]:
    """The user rejected every suggestion."""
    return [fallback_reply(ctx)]


@router.button(FEEDBACK)
async def feedback(ctx: Context) -> list[Reply]:
    """Store a 👍/👎 on an answer and thank the user."""
    if len(ctx.args) < 2 or ctx.args[0] not in ("y", "n"):
        return [outdated_reply(ctx.kb)]
    entry = resolve(ctx.args[1], ctx.kb.entries.values())
    if entry is None:
        return [outdated_reply(ctx.kb)]
    helpful = ctx.args[0] == "y"
    question_id = int(ctx.args[2]) if ctx.args[2:3] and ctx.args[2].isdigit() else 0
    storage = ctx.services.storage
    if storage is not None:
        incoming = ctx.incoming
        storage.record_feedback(
            incoming.channel, incoming.user_id, entry.id, helpful, question_id or None
        )
    if helpful:
        return [Reply(text="Cảm ơn bạn đã góp ý! Chúc bạn làm thủ tục thuận lợi.")]
    return [
        Reply(
            text="Cảm ơn bạn đã góp ý, mình sẽ cải thiện câu trả lời này. Bạn có thể hỏi lại "
            "theo cách khác hoặc liên hệ hỗ trợ trực tiếp.",
            buttons=((HUMAN_BUTTON,), (MENU_BUTTON,)),
        )
    ]


def fallback_reply(ctx: Context) -> Reply:
    """Not sure: say so, and offer the menu and a person."""
    menu = menu_reply(ctx.kb, FALLBACK_TEXT)
    return Reply(text=menu.text, buttons=menu.buttons, tags=frozenset({"fallback"}))


def _record(ctx: Context, result: MatchResult) -> int | None:
    """Store the redacted question unless it carried a secret; returns its id.

    Every stored form comes from the redacted text: normalising first would split an
    e-mail or a phone number into words that redaction no longer recognises.
    """
    storage = ctx.services.storage
    text = redact(ctx.text)
    normalized = ctx.services.knowledge.normalizer.normalize(text).text
    if storage is None or not ctx.record or not normalized:
        return None  # nothing said (only emoji or invisible characters): nothing to review
    return storage.record_question(
        ctx.incoming.channel,
        ctx.incoming.user_id,
        text,
        normalized,
        result.outcome,
        result.entry.id if result.entry is not None else None,
        result.score,
    )
