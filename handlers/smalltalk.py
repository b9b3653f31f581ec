"""Greetings and thanks: a short polite reply instead of a "not sure" fallback."""

from __future__ import annotations

from foundations.messages import Reply
from handlers.replies import MENU_BUTTON, menu_reply
from handlers.router import Context, Router
from knowledge.normalize import fold, split_words

router = Router("smalltalk")

GREETING_WORDS = {"chao", "xin", "hi", "hello", "helo", "alo", "hey", "halo"}
THANKS = {"thanks", "thank", "tks", "thx"}
THANKS_WORDS = {"cam", "on", "you", *THANKS}
# Words that may surround a greeting or thanks without changing what it is.
FILLER_WORDS = {
    "ban", "ad", "admin", "bot", "em", "anh", "chi", "a", "nhe", "nha", "oi", "tro", "ly",
    "06", "ok", "oke", "okay", "rat", "shop", "minh", "chau", "co", "chu", "bac",
    "vang", "da", "dc", "duoc", "roi", "nhieu", "qua",
}  # fmt: skip


@router.text()
async def greet_or_thank(ctx: Context) -> list[Reply] | None:
    """Answer a bare greeting or thanks; anything with more content goes on to the FAQ."""
    words = _small_talk_words(ctx.text)
    if not words:
        return None
    if words <= GREETING_WORDS | FILLER_WORDS and words & GREETING_WORDS:
        return [menu_reply(ctx.kb, "Xin chào! Bạn cần hỗ trợ gì? Hãy gõ câu hỏi hoặc chọn chủ "
                           "đề bên dưới.")]
    if words <= THANKS_WORDS | FILLER_WORDS and ({"cam", "on"} <= words or words & THANKS):
        return [
            Reply(
                text="Không có gì ạ! Nếu cần thêm, bạn cứ gõ câu hỏi bất cứ lúc nào.",
                buttons=((MENU_BUTTON,),),
            )
        ]
    return None


SMALL_TALK_WORDS = GREETING_WORDS | THANKS_WORDS | FILLER_WORDS


def _small_talk_words(text: str) -> set[str]:
    """The folded words of `text`, or none as soon as one cannot be small talk: a question
    is told apart at its first content word instead of folding all of its words (about
    0.2 ms for a long question, on every question asked)."""
    words = set()
    for word in split_words(text):
        folded = fold(word)
        if folded not in SMALL_TALK_WORDS:
            return set()
        words.add(folded)
    return words
