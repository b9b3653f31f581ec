"""Câu hỏi chưa trả lời: the review of `troly06 kb review` in the browser.

A thin page over knowledge.review (groups) and knowledge.editing (variants, off-topic): the
edit is validated and written like the CLI's, the serving knowledge reloads, and every
decision is audited. A group is named by its number and a fingerprint of its questions, so
a decision made on a page that has since changed (new questions regrouped) is refused
instead of landing on another group.
"""

from __future__ import annotations

import asyncio
import hashlib

import aiohttp_jinja2
from aiohttp import web

from bot.review_cli import review_groups
from bot.web.context import client_address, console_of, forbidden, session_of
from foundations.privacy import redact
from handlers.audit import FAILED, OK, REFUSED
from knowledge.editing import EditError, EditResult, attach_variants, mark_offtopic
from knowledge.loader import DEFAULT_FAQ_DIR
from knowledge.review import ReviewGroup

ROUTES = web.RouteTableDef()
PATH = "/chua-tra-loi"
DEFAULT_DAYS = 30
OFFTOPIC = "offtopic"
CHANGED = "Danh sách câu hỏi đã thay đổi từ lúc mở trang. Hãy xem lại nhóm rồi chọn lại."


def fingerprint(group: ReviewGroup) -> str:
    """Short and stable for the same questions, whatever the group's number."""
    return hashlib.sha256("\n".join(group.texts).encode()).hexdigest()[:16]


def _days(text: str) -> int:
    return int(text) if text.isdigit() and 0 < int(text) <= 365 else DEFAULT_DAYS


def _groups(request: web.Request, days: int) -> list[ReviewGroup]:
    services = console_of(request).services
    assert services.storage is not None
    return review_groups(services.storage, services.knowledge, days)


def _context(request: web.Request, days: int, message: str = "", error: str = "") -> dict:
    groups = _groups(request, days)
    return {
        "days": days, "message": message, "error": error,
        "groups": [{"number": g.number, "count": g.count, "fingerprint": fingerprint(g),
                    "examples": [redact(text) for text in g.examples],
                    "candidates": g.candidates} for g in groups],
    }  # fmt: skip


@ROUTES.get(PATH)
@aiohttp_jinja2.template("review.html")
async def review(request: web.Request) -> dict:
    return _context(request, _days(request.query.get("days", "")))


@ROUTES.post(PATH)
async def decide(request: web.Request) -> web.Response:
    """Attach a group to an entry, or mark it off-topic; admins only, audited."""
    console, session = console_of(request), session_of(request)
    form = await request.post()
    days = _days(str(form.get("days", "")))
    entry_id = str(form.get("other") or form.get("entry") or "").strip()
    action = OFFTOPIC if form.get("action") == OFFTOPIC else f"attach {entry_id}"
    if not session.may_change:
        console.audit.record(session.name, action, client_address(request), REFUSED)
        return forbidden(request, "Tài khoản chỉ xem (viewer) không được thay đổi dữ liệu.")
    group = next((g for g in _groups(request, days) if str(g.number) == form.get("number")
                  and fingerprint(g) == form.get("fingerprint")), None)  # fmt: skip
    if group is None:
        return _render(request, days, error=CHANGED)
    if action != OFFTOPIC and not entry_id:
        return _render(request, days, error="Chọn một mục ứng viên hoặc gõ id mục.")
    try:
        result = await _apply(request, group, None if action == OFFTOPIC else entry_id)
    except EditError as exc:
        console.audit.record(session.name, action, client_address(request), FAILED, str(exc))
        return _render(request, days, error=f"Không sửa được, tệp giữ nguyên: {exc}")
    detail = f"nhóm {group.count} câu, thêm {len(result.added)} vào {result.file.name}"
    console.audit.record(session.name, action, client_address(request), OK, detail)
    what = "đánh dấu ngoài phạm vi" if action == OFFTOPIC else f"thêm vào mục '{entry_id}'"
    return _render(request, days, message=f"Đã {what}: {len(result.added)} câu (bỏ qua "
                                          f"{len(result.skipped)} câu đã có); đã tải lại.")


async def _apply(request: web.Request, group: ReviewGroup, entry_id: str | None) -> EditResult:
    """Write the decision in a worker thread (it loads the whole folder to validate), then
    reload the knowledge this bot serves."""
    service = console_of(request).services.knowledge
    faq_dir = service.faq_dir or DEFAULT_FAQ_DIR
    if entry_id is None:
        result = await asyncio.to_thread(
            mark_offtopic, faq_dir, service.kb, service.normalizer, group.texts)
    else:
        result = await asyncio.to_thread(
            attach_variants, faq_dir, service.kb, service.normalizer, entry_id, group.texts)
    await asyncio.to_thread(service.reload)
    return result


def _render(request: web.Request, days: int, message: str = "", error: str = "") -> web.Response:
    return aiohttp_jinja2.render_template(
        "review.html", request, _context(request, days, message, error),
        status=200 if not error else 400,
    )  # fmt: skip
