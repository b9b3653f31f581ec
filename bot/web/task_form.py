"""Nhắc việc: a task created or changed in a form, a thin page over scheduler.editing.

The task files are checked as `troly06 tasks check` checks them before anything is
written; a problem comes back as `file:line: problem` and the files stay as they were. A
saved task is loaded into the running reminders at once and audited; viewers only read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date

import aiohttp_jinja2
from aiohttp import web

from bot.web.context import client_address, console_of, forbidden, session_of
from foundations.yaml_edit import file_version
from handlers.audit import FAILED, OK, REFUSED
from scheduler.app import Officials
from scheduler.editing import TaskEditError, save_task, task_as_written
from scheduler.files import RECURRENCE_KEYS

ROUTES = web.RouteTableDef()
NEW = "/nhac-viec/nhiem-vu/moi"
EXISTING = "/nhac-viec/nhiem-vu/{task}"
TEXT_KEYS = ("id", "title", "description", "legal_basis", "time", "quarter_month")
KIND_LABELS = {"due": "một lần, hạn ngày (YYYY-MM-DD)", "monthly": "hằng tháng, ngày (1–31)",
               "quarterly": "hằng quý, ngày (1–31) của tháng thứ… trong quý",
               "cron": "theo lịch cron (phút giờ ngày tháng thứ)"}  # fmt: skip
VIEWERS_READ_ONLY = "Tài khoản chỉ xem (viewer) không được tạo hay sửa nhiệm vụ."


@ROUTES.get(NEW)
async def new_task(request: web.Request) -> web.Response:
    _officials(request)
    return _render(request, None, {"kind": "due"}, "")


@ROUTES.get(EXISTING)
async def existing_task(request: web.Request) -> web.Response:
    task_id = request.match_info["task"]
    try:
        path, task = task_as_written(_officials(request).files, task_id)
    except TaskEditError as exc:
        raise web.HTTPNotFound(text=str(exc)) from None
    return _render(request, task_id, _form_fields(task), file_version(path))


@ROUTES.post(NEW)
async def create(request: web.Request) -> web.Response:
    return await _save(request, None)


@ROUTES.post(EXISTING)
async def change(request: web.Request) -> web.Response:
    return await _save(request, request.match_info["task"])


async def _save(request: web.Request, task_id: str | None) -> web.Response:
    """Validate and write, reload the reminders, audit; admins only."""
    console, session = console_of(request), session_of(request)
    officials = _officials(request)
    form = await request.post()
    fields = {key: str(form.get(key, "")).strip()
              for key in (*TEXT_KEYS, "kind", "when", "groups", "units")}  # fmt: skip
    action = f"task-{'create' if task_id is None else 'edit'} {task_id or fields['id']}"
    if not session.may_change:
        console.audit.record(session.name, action, client_address(request), REFUSED)
        return forbidden(request, VIEWERS_READ_ONLY)
    try:
        path = await asyncio.to_thread(
            save_task, officials.files, officials.levels, officials.default_due_time,
            officials.tz, task_id, _values(fields), str(form.get("version", "")) or None)
    except TaskEditError as exc:
        console.audit.record(session.name, action, client_address(request), FAILED, str(exc))
        return _render(request, task_id, fields, str(form.get("version", "")),
                       errors=str(exc).splitlines(), status=400)  # fmt: skip
    problems = officials.reload()
    console.audit.record(session.name, action, client_address(request),
                         FAILED if problems else OK, path.name)  # fmt: skip
    saved_id = task_id or fields["id"]
    return _render(request, saved_id, _form_fields(task_as_written(officials.files, saved_id)[1]),
                   file_version(path), errors=[str(p) for p in problems], saved=not problems)


def _officials(request: web.Request) -> Officials:
    officials = console_of(request).services.extras.get("officials")
    if officials is None:
        raise web.HTTPNotFound(text="Nhắc việc đang tắt (scheduler.enabled: false).")
    return officials


def _form_fields(task: Mapping[str, object]) -> dict[str, str]:
    """A task as written, as the form's fields show it."""
    fields = {key: str(task.get(key) or "") for key in TEXT_KEYS}
    kind = next((key for key in RECURRENCE_KEYS if key in task), "due")
    fields.update(kind=kind, when=str(task.get(kind, "")))
    for key in ("groups", "units"):
        value = task.get(key) or []
        fields[key] = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return fields


def _values(fields: Mapping[str, str]) -> dict[str, object]:
    """The form's text as values for the file: dates and day numbers typed, anything else
    left as text for the task files' check to report as it would in a hand edit."""
    kind = fields["kind"] if fields["kind"] in RECURRENCE_KEYS else "due"
    values: dict[str, object] = {key: fields[key] for key in TEXT_KEYS}
    values[kind] = _typed(kind, fields["when"])
    values["quarter_month"] = _number(fields["quarter_month"]) if kind == "quarterly" else None
    for key in ("groups", "units"):
        values[key] = [code.strip() for code in fields[key].split(",") if code.strip()]
    return values


def _typed(kind: str, text: str) -> object:
    if kind == "due":
        try:
            return date.fromisoformat(text)
        except ValueError:
            return text
    return _number(text) if kind in ("monthly", "quarterly") else text


def _number(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def _render(
    request: web.Request, task_id: str | None, fields: Mapping[str, str], version: str,
    errors: list[str] | None = None, saved: bool = False, status: int = 200,
) -> web.Response:  # fmt: skip
    return aiohttp_jinja2.render_template("task.html", request, {
        "task_id": task_id, "fields": fields, "version": version, "kinds": KIND_LABELS,
        "errors": errors or [], "saved": saved,
    }, status=status)  # fmt: skip
