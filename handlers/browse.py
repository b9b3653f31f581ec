"""Browsing: a category lists its questions as buttons, a page at a time; a question shows
its answer. Buttons may outlive the entries they point to (a reload), so every lookup
may fail and gets the outdated-button reply."""

from __future__ import annotations

import math

from foundations.messages import Button, Reply
from handlers.payloads import payload, resolve, token
from handlers.replies import (
    CATEGORY,
    MENU_BUTTON,
    QUESTION,
    answer_reply,
    outdated_reply,
    question_button,
)
from handlers.router import Context, Router

router = Router("browse")

PAGE_SIZE = 6


@router.button(CATEGORY)
async def category_page(ctx: Context) -> list[Reply]:
    """List one page of a category's questions."""
    category = resolve(ctx.args[0], ctx.kb.categories) if ctx.args else None
    entries = ctx.kb.in_category(category.id) if category else []
    if not entries:
        return [outdated_reply(ctx.kb)]
    pages = math.ceil(len(entries) / PAGE_SIZE)
    page = min(max(_int(ctx.args[1:2], 1), 1), pages)
    shown = entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows: list[tuple[Button, ...]] = [(question_button(entry),) for entry in shown]
    nav = []
    if page > 1:
        nav.append(Button("◀ Trang trước", payload(CATEGORY, token(category.id), page - 1)))
    if page < pages:
        nav.append(Button("Trang sau ▶", payload(CATEGORY, token(category.id), page + 1)))
    if nav:
        rows.append(tuple(nav))
    rows.append((MENU_BUTTON,))
    counter = f" (trang {page}/{pages})" if pages > 1 else ""
    return [
        Reply(
            text=f"Chọn câu hỏi bạn quan tâm{counter}:",
            title=category.title,
            buttons=tuple(rows),
            tags=frozenset({"category"}),
        )
    ]


@router.button(QUESTION)
async def show_question(ctx: Context) -> list[Reply]:
    """Show the answer of the chosen question."""
    entry = resolve(ctx.args[0], ctx.kb.entries.values()) if ctx.args else None
    if entry is None:
        return [outdated_reply(ctx.kb)]
    question_id = _int(ctx.args[1:2], 0)
    storage = ctx.services.storage
    if question_id and storage is not None:
        storage.record_pick(ctx.incoming.channel, ctx.incoming.user_id, question_id, entry.id)
    return [answer_reply(ctx.kb, entry, question_id or None)]


def _int(parts: list[str], default: int) -> int:
    try:
        return int(parts[0])
    except (IndexError, ValueError):
        return default
