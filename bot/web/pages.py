"""The console's pages: login, overview, test question, knowledge, reminders, audit log.

Each handler reads through the library functions the chat commands and the CLI use
(handlers.stats, the knowledge service, scheduler.progress, handlers.admin.reload_parts), so the
console can never tell a different story from them.
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime

import aiohttp_jinja2
from aiohttp import web

from bot.web.auth import verify_password
from bot.web.charts import questions_chart, users_chart
from bot.web.context import (
    LOGIN_PATH,
    SESSION_COOKIE,
    client_address,
    console_of,
    forbidden,
    served_over_https,
    session_of,
)
from foundations.privacy import redact
from handlers.admin import reload_parts
from handlers.audit import FAILED, REFUSED
from handlers.stats import OUTCOME_LABELS, PERIODS, entry_figures, figures_csv, serving_figures
from knowledge.review_dates import entries_due, vietnam_today
from scheduler import progress

ROUTES = web.RouteTableDef()
LOGIN_COOKIE = "troly06_dangnhap"  # the login form's CSRF token, before any session exists
TOO_MANY = "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút."
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."
VIEWERS_READ_ONLY = "Tài khoản chỉ xem (viewer) không được thay đổi dữ liệu."
UNANSWERED_SHOWN = 10
SIGNAL_LABELS = {"similarity": "giống câu gần nhất", "phrasing_coverage": "phủ câu gần nhất",
                 "coverage": "phủ câu hỏi", "evidence": "từ đặc trưng",
                 "bm25": "so với mục dẫn đầu"}  # fmt: skip
# What the calibration (knowledge/calibration.py) weighs to be sure the best entry is right.
CONFIDENCE_LABELS = {"score": "điểm", "coverage": "phủ câu hỏi", "pairs": "cụm từ khớp",
                     "key_terms": "từ chính của mục", "rarest": "độ phổ biến của từ hiếm nhất",
                     "offtopic": "câu ngoài phạm vi gần nhất", "rerank": "xác suất khi xếp lại",
                     "margin": "hơn điểm mục kế tiếp"}  # fmt: skip
# What the off-topic judgement (knowledge/offtopic_judgement.py) weighs.
OFFTOPIC_LABELS = {"entry_logit": "độ tin cậy mục đứng đầu (log-odds)",
                   "entry_coverage": "mục đứng đầu phủ câu hỏi", "topic": "có chủ đề ngoài phạm vi",
                   "topic_score": "điểm chủ đề ngoài phạm vi", "score_gap": "hơn điểm mục đứng đầu",
                   "topic_chance": "xác suất chủ đề khi xếp lại",
                   "rerank_gap": "hơn mục đứng đầu khi xếp lại", "coverage_gap": "phủ hơn mục",
                   "cosine_gap": "cosine hơn mục", "bm25_gap": "BM25 hơn mục",
                   "rare_gap": "từ hiếm hơn mục", "rare_unknown": "từ hiếm không mục nào có",
                   "topic_words": "từ chỉ câu ngoài phạm vi có",
                   "topic_pairs": "cụm từ chỉ câu ngoài phạm vi có",
                   "topic_retrieved": "chủ đề ngoài phạm vi khi tìm"}  # fmt: skip
RECURRENCE_LABELS = {"once": "một lần", "monthly": "hằng tháng", "quarterly": "hằng quý",
                     "cron": "theo lịch"}  # fmt: skip


# -- login ----------------------------------------------------------------------------


@ROUTES.get(LOGIN_PATH)
async def login_form(request: web.Request) -> web.Response:
    return _login_page(request, "")


def _login_page(request: web.Request, error: str, status: int = 200) -> web.Response:
    # Kept while the browser holds one: its other requests (favicon) land here too and
    # must not invalidate the form already on screen.
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = aiohttp_jinja2.render_template(
        "login.html", request, {"error": error, "login_csrf": token}, status=status
    )
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", path=LOGIN_PATH,
                        secure=served_over_https(request))  # fmt: skip
    return response


@ROUTES.post(LOGIN_PATH)
async def login(request: web.Request) -> web.StreamResponse:
    """Check the form's token, the throttle, then the password; every outcome is audited."""
    console = console_of(request)
    form = await request.post()
    address = client_address(request)
    name = unicodedata.normalize("NFC", str(form.get("name", ""))).strip()
    expected = request.cookies.get(LOGIN_COOKIE)
    if not expected or form.get("csrf") != expected:
        console.audit.record(name or "?", "login", address, REFUSED, "sai mã biểu mẫu")
        return forbidden(request, "Biểu mẫu đăng nhập đã hết hạn. Tải lại trang rồi thử lại.")
    if not console.throttle.allowed(address, name):
        console.audit.record(name or "?", "login", address, REFUSED, "quá nhiều lần sai")
        return _login_page(request, TOO_MANY, status=429)
    account = console.accounts.get(name)
    if account is None or not verify_password(str(form.get("password", "")), account.hashed):
        console.throttle.failed(address, name)
        console.audit.record(name or "?", "login", address, FAILED)
        return _login_page(request, WRONG, status=401)
    console.audit.record(name, "login", address)
    response = web.HTTPSeeOther("/")
    response.set_cookie(SESSION_COOKIE, console.sessions.open(account), httponly=True,
                        samesite="Strict", path="/", max_age=int(console.sessions.lifetime),
                        secure=served_over_https(request))  # fmt: skip
    response.del_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
    raise response


@ROUTES.post("/dang-xuat")
async def logout(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    console.sessions.close(request.cookies.get(SESSION_COOKIE))
    console.audit.record(session_of(request).name, "logout", client_address(request))
    response = web.HTTPSeeOther(LOGIN_PATH)
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


# -- overview -----------------------------------------------------------------------------


def _period(request: web.Request) -> int:
    """The ?days= asked for, if it is one of the periods offered; else a week."""
    days = request.query.get("days", "")
    return int(days) if days.isdigit() and int(days) in PERIODS else PERIODS[0]


@ROUTES.get("/")
@aiohttp_jinja2.template("overview.html")
async def overview(request: web.Request) -> dict[str, object]:
    storage = console_of(request).services.storage
    assert storage is not None  # the console is only built with storage
    figures = serving_figures(storage.db, _period(request), vietnam_today())
    unanswered = storage.unanswered(days=figures.days, limit=UNANSWERED_SHOWN)
    return {
        "figures": figures, "periods": PERIODS, "labels": OUTCOME_LABELS,
        "questions_chart": questions_chart(figures), "users_chart": users_chart(figures),
        "unanswered": [{**row, "example": redact(str(row["example"] or ""))}
                       for row in unanswered],
    }  # fmt: skip


@ROUTES.get("/tong-quan.csv")
async def overview_csv(request: web.Request) -> web.Response:
    storage = console_of(request).services.storage
    assert storage is not None
    figures = serving_figures(storage.db, _period(request), vietnam_today())
    return _csv(figures_csv(figures), f"thong-ke-{figures.days}-ngay.csv")


def _csv(text: str, filename: str) -> web.Response:
    """A CSV download that Excel opens with the Vietnamese letters intact (BOM)."""
    return web.Response(
        body=("\ufeff" + text).encode("utf-8"), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )  # fmt: skip


# -- test a question ----------------------------------------------------------------------


@ROUTES.get("/thu-hoi")
@aiohttp_jinja2.template("ask.html")
async def ask_form(request: web.Request) -> dict[str, object]:
    return {"question": "", "result": None}


@ROUTES.post("/thu-hoi")
@aiohttp_jinja2.template("ask.html")
async def ask(request: web.Request) -> dict[str, object]:
    """What a citizen asking this would get, and why: the matcher's explanation (the
    question's words and weights, each candidate's shared words and signals)."""
    form = await request.post()
    question = redact(str(form.get("question", "")).strip())
    matcher = console_of(request).services.knowledge.matcher
    explained = matcher.explain(question) if question else None
    return {"question": question, "result": explained.result if explained else None,
            "explained": explained, "labels": OUTCOME_LABELS, "signals": SIGNAL_LABELS,
            "confidence_labels": CONFIDENCE_LABELS, "threshold": matcher.thresholds.confidence,
            "offtopic_labels": OFFTOPIC_LABELS, "offtopic_threshold": matcher.thresholds.offtopic}


# -- knowledge ------------------------------------------------------------------------------


@ROUTES.get("/kien-thuc")
@aiohttp_jinja2.template("knowledge.html")
async def knowledge(request: web.Request) -> dict[str, object]:
    return _knowledge_context(request)


def _knowledge_context(request: web.Request) -> dict[str, object]:
    """Entries matching ?q= (id, question or variants), their figures, and those due."""
    console = console_of(request)
    kb = console.services.knowledge.kb
    query = request.query.get("q", "").strip()
    wanted = unicodedata.normalize("NFC", query).casefold()
    entries = [
        entry for entry in kb.entries.values()
        if not wanted or any(wanted in text.casefold() for text in (entry.id, *entry.phrasings))
    ]  # fmt: skip
    assert console.services.storage is not None
    return {
        "query": query, "entries": entries, "total": len(kb.entries),
        "figures": entry_figures(console.services.storage.db),
        "due": entries_due(kb, vietnam_today()), "reloaded": None,
    }  # fmt: skip


@ROUTES.post("/kien-thuc/tai-lai")
async def reload(request: web.Request) -> web.StreamResponse:
    """Reload the FAQ and task files as /tailai does; admins only, audited either way."""
    console, session = console_of(request), session_of(request)
    if not session.may_change:
        console.audit.record(session.name, "reload", client_address(request), REFUSED)
        return forbidden(request, VIEWERS_READ_ONLY)
    parts = await reload_parts(console.services)
    applied = all(part.applied for part in parts)
    console.audit.record(session.name, "reload", client_address(request),
                         detail="; ".join(part.summary for part in parts),
                         result="ok" if applied else FAILED)  # fmt: skip
    context = _knowledge_context(request)
    context["reloaded"] = [part.describe() for part in parts]
    return aiohttp_jinja2.render_template("knowledge.html", request, context)


# -- reminders ------------------------------------------------------------------------------


@ROUTES.get("/nhac-viec")
@aiohttp_jinja2.template("tasks.html")
async def tasks(request: web.Request) -> dict[str, object]:
    officials = console_of(request).services.extras.get("officials")
    if officials is None:
        return {"enabled": False}
    service = officials.service
    group_id = request.query.get("to", "")
    groups = progress.groups(service)
    chosen = next((g for g in groups if g.id == group_id), None)
    states = progress.group_progress(service, chosen.id, service.clock.now()) if chosen else []
    return {
        "enabled": True, "groups": groups, "tasks": progress.tasks(service), "chosen": chosen,
        "states": states, "format_due": service.format_due,
        "recurrences": RECURRENCE_LABELS,
    }  # fmt: skip


@ROUTES.get("/nhac-viec/{group}.csv")
async def tasks_csv(request: web.Request) -> web.Response:
    officials = console_of(request).services.extras.get("officials")
    group_id = request.match_info["group"]
    if officials is None or group_id not in {g.id for g in progress.groups(officials.service)}:
        raise web.HTTPNotFound(text="Không có tổ công tác này.")
    service = officials.service
    states = progress.group_progress(service, group_id, service.clock.now())
    stamp = datetime.now(service.policy.tz).strftime("%Y%m%d")
    return _csv(progress.progress_csv(service, states), f"tien-do-{group_id}-{stamp}.csv")


# -- audit log -----------------------------------------------------------------------------


@ROUTES.get("/nhat-ky")
@aiohttp_jinja2.template("audit.html")
async def audit(request: web.Request) -> dict[str, object]:
    return {"entries": console_of(request).audit.latest()}
