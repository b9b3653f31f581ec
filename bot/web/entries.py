"""Kho kiến thức: one entry edited in a form, a thin page over knowledge.editing.

The form shows the entry as its file has it (placeholders like `{local.…}` unfilled) and
sends back every field as typed. knowledge.editing checks the whole folder with the change,
exactly as `troly06 kb check` would, before anything is written; a problem comes back as
the loader's `file:line: problem` lines and the file stays as it was. A saved edit is
reloaded into the serving bot and audited; a form opened on an older file is refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

from bot.web.context import client_address, console_of, forbidden, session_of
from foundations.yaml_edit import file_version
from handlers.audit import FAILED, OK, REFUSED
from knowledge.editing import EditError, entry_as_written, save_entry
from knowledge.loader import DEFAULT_FAQ_DIR
from knowledge.review_dates import vietnam_today

ROUTES = web.RouteTableDef()
PATH = "/kien-thuc/muc/{entry}"
FORM_KEYS = ("category", "question", "variants", "answer", "keywords", "sources",
             "review_by", "updated")  # fmt: skip
LIST_FIELDS = ("variants", "keywords")  # one item a line in the form
VIEWERS_READ_ONLY = "Tài khoản chỉ xem (viewer) không được sửa mục."


@ROUTES.get(PATH)
async def entry_form(request: web.Request) -> web.Response:
    entry_id = request.match_info["entry"]
    path = _entry_file(request, entry_id)
    fields = _form_fields(entry_as_written(path, entry_id))
    return _render(request, entry_id, fields, file_version(path))


@ROUTES.post(PATH)
async def save(request: web.Request) -> web.Response:
    """Validate and write the edit, reload, audit; admins only."""
    console, session = console_of(request), session_of(request)
    entry_id = request.match_info["entry"]
    action = f"entry-edit {entry_id}"
    if not session.may_change:
        console.audit.record(session.name, action, client_address(request), REFUSED)
        return forbidden(request, VIEWERS_READ_ONLY)
    path = _entry_file(request, entry_id)
    form = await request.post()
    fields = {key: str(form.get(key, "")).replace("\r\n", "\n").strip() for key in FORM_KEYS}
    service = console.services.knowledge
    try:
        warnings = await asyncio.to_thread(
            save_entry, service.faq_dir or DEFAULT_FAQ_DIR, service.kb, service.normalizer,
            entry_id, _changes(fields), str(form.get("version", "")))  # fmt: skip
    except EditError as exc:
        console.audit.record(session.name, action, client_address(request), FAILED, str(exc))
        return _render(request, entry_id, fields, str(form.get("version", "")),
                       errors=str(exc).splitlines(), status=400)  # fmt: skip
    await asyncio.to_thread(service.reload)
    console.audit.record(session.name, action, client_address(request), OK, path.name)
    return _render(request, entry_id, _form_fields(entry_as_written(path, entry_id)),
                   file_version(path), warnings=[str(w) for w in warnings], saved=True)  # fmt: skip


def _entry_file(request: web.Request, entry_id: str) -> Path:
    entry = console_of(request).services.knowledge.kb.get(entry_id)
    if entry is None:
        raise web.HTTPNotFound(text=f"Không có mục nào có id '{entry_id}'.")
    return Path(entry.file)


def _form_fields(raw: Mapping[str, object]) -> dict[str, str]:
    """The entry's values as the form's text fields show them."""
    fields = {key: str(raw.get(key) or "") for key in FORM_KEYS}
    for key in LIST_FIELDS:
        fields[key] = "\n".join(str(item) for item in raw.get(key) or [])  # type: ignore[attr-defined]
    fields["answer"] = fields["answer"].strip()
    fields["sources"] = "\n".join(
        " | ".join((str(s.get("url", "")), str(s.get("read") or ""), str(s.get("title") or "")))
        .rstrip(" |") for s in raw.get("sources") or [] if isinstance(s, Mapping)  # type: ignore[attr-defined]
    )  # fmt: skip
    fields["updated"] = vietnam_today().isoformat()  # saving the form is an update
    return fields


def _changes(fields: Mapping[str, str]) -> dict[str, object]:
    """The typed fields as values for the file; an empty review_by removes the key."""
    changes: dict[str, object] = {
        "category": fields["category"], "question": fields["question"],
        "answer": fields["answer"],
        "sources": [_source(line) for line in _lines(fields["sources"])],
        "updated": _date(fields["updated"]), "review_by": _date(fields["review_by"]) or None,
    }  # fmt: skip
    for key in LIST_FIELDS:
        changes[key] = _lines(fields[key])
    return changes


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _source(line: str) -> dict[str, object]:
    """'URL | YYYY-MM-DD | tiêu đề' → {url, title, read}, the shipped files' key order."""
    url, read, title = (part.strip() for part in [*line.split("|", 2), "", ""][:3])
    source: dict[str, object] = {"url": url}
    if title:
        source["title"] = title
    if read:
        source["read"] = _date(read)
    return source


def _date(text: str) -> date | str:
    """A date when the text is one; otherwise the text itself, for the loader to report
    exactly as it reports a hand-typed bad date."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return text


def _render(
    request: web.Request,
    entry_id: str,
    fields: Mapping[str, str],
    version: str,
    errors: list[str] | None = None,
    warnings: list[str] | None = None,
    saved: bool = False,
    status: int = 200,
) -> web.Response:
    categories = console_of(request).services.knowledge.kb.categories
    return aiohttp_jinja2.render_template("entry.html", request, {
        "entry_id": entry_id, "fields": fields, "version": version, "categories": categories,
        "errors": errors or [], "warnings": warnings or [], "saved": saved,
    }, status=status)  # fmt: skip
