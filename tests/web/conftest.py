"""The web console on a real `App` (its own database, the shipped FAQ copy, a small roster),
reached over real HTTP by aiohttp's client keeping cookies as a browser does."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import yaml

from bot.app import App
from bot.web.auth import hash_password
from foundations.settings import Config
from knowledge.service import KnowledgeService
from scheduler.store import join_by_code
from tests.fakes.local_server import LOOPBACK, free_port

PASSWORDS = {"lan": "mat-khau-quan-tri", "minh": "mat-khau-chi-xem"}
ROLES = {"lan": "admin", "minh": "viewer"}
JOIN_CODE = "PHUONGA06"
TASK_TITLE = "Rà soát dữ liệu dân cư"
CSRF = re.compile(r'name="csrf" value="([^"]*)"')


@pytest.fixture(scope="session")
def admin_lines() -> list[str]:
    """`web.admins` as `troly06 web passwd` prints it (hashing once: scrypt is slow)."""
    return [f"{name}:{ROLES[name]}:{hash_password(pw)}" for name, pw in PASSWORDS.items()]


def write_roster(folder: Path) -> Path:
    """One unit, one group, one task due in three days."""
    due = (datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(days=3)).date()
    path = folder / "to-cong-tac.yaml"
    path.write_text(yaml.safe_dump({
        "units": [{"id": "phuong-a", "name": "Phường A", "level": "xa"}],
        "groups": [{"id": "tct-a", "name": "Tổ công tác phường A", "unit": "phuong-a",
                    "join_code": JOIN_CODE,
                    "members": [{"name": "Trần Thị Tổ Trưởng", "phone": "0912345678",
                                 "role": "leader"}]}],
        "tasks": [{"id": "ra-soat", "title": TASK_TITLE, "due": due, "groups": ["tct-a"]}],
    }, allow_unicode=True), encoding="utf-8")  # fmt: skip
    return path


@pytest.fixture
def console_config(
    make_config: Callable[..., Config], admin_lines: list[str], tmp_path: Path
) -> Config:
    return make_config(
        web__enabled=True, web__port=free_port(), web__admins=admin_lines,
        console__enabled=False, scheduler__files=[str(write_roster(tmp_path))],
    )  # fmt: skip


@pytest.fixture
def console_knowledge(
    request: pytest.FixtureRequest, shipped_knowledge: KnowledgeService, console_config: Config
) -> KnowledgeService:
    """What the bot serves: the shipped FAQ, loaded once; a spec module that writes into the
    FAQ (`EDITS_FAQ = True`) gets its own copy."""
    if getattr(request.module, "EDITS_FAQ", False):
        return KnowledgeService.from_config(console_config)
    return shipped_knowledge


@pytest.fixture
async def running(
    console_config: Config, console_knowledge: KnowledgeService
) -> AsyncIterator[App]:
    """The bot with its console listening; one official has joined the group in chat."""
    app = App(console_config, console_knowledge)
    join_by_code(app.storage.db, JOIN_CODE, "telegram", "501", "Lê Văn Cán Bộ")
    await app.start()
    yield app
    await app.stop()


@dataclass
class Browser:
    """An HTTP client with a cookie jar, the way an admin's browser talks to the console."""

    http: aiohttp.ClientSession
    base: str

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.base + path, allow_redirects=True) as response:
            return response.status, await response.text()

    async def post(self, path: str, data: dict[str, Any]) -> tuple[int, str]:
        async with self.http.post(self.base + path, data=data) as response:
            return response.status, await response.text()

    async def csrf(self, path: str) -> str:
        """The form token of a page, as a browser would submit it."""
        _, html = await self.get(path)
        return CSRF.search(html).group(1)

    async def form(self, path: str, form_id: str) -> dict[str, str]:
        """The fields of one form on a page, with the values a browser would send."""
        _, html = await self.get(path)
        reader = FormReader(form_id)
        reader.feed(html)
        return reader.fields

    async def ask(self, question: str) -> tuple[int, str]:
        """Try a question on the "Thử hỏi" page, as an admin types it into the form."""
        token = await self.csrf("/thu-hoi")
        return await self.post("/thu-hoi", {"csrf": token, "question": question})

    async def login(self, name: str, password: str | None = None) -> tuple[int, str]:
        token = await self.csrf("/dang-nhap")
        return await self.post("/dang-nhap", {
            "name": name, "password": PASSWORDS.get(name, "") if password is None else password,
            "csrf": token,
        })  # fmt: skip


@pytest.fixture
async def browser(running: App) -> AsyncIterator[Browser]:
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for a bare IP address, as browsers keep
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        yield Browser(http, f"http://{LOOPBACK}:{running.config.web.port}")


@dataclass
class FormReader(HTMLParser):
    """Reads the named fields of the form with id `form_id`: inputs, text areas, the
    selected option of a select."""

    form_id: str
    fields: dict[str, str] = field(default_factory=dict)
    _inside: bool = False
    _text_area: str | None = None
    _select: str | None = None

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._inside = found.get("id") == self.form_id
        elif self._inside and tag == "input" and "name" in found:
            self.fields[found["name"]] = found.get("value", "")
        elif self._inside and tag == "textarea":
            self._text_area = found["name"]
            self.fields[self._text_area] = ""
        elif self._inside and tag == "select":
            self._select = found["name"]
        elif self._select and tag == "option" and "selected" in found:
            self.fields[self._select] = found["value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        elif tag == "textarea":
            self._text_area = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._text_area is not None:
            self.fields[self._text_area] += data
