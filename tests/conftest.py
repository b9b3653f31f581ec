"""Fixtures shared by every feature's specs: a configuration on a temporary database, the
shipped knowledge base loaded once per session, and a private copy of the shipped FAQ
that a test may edit and reload; for the channel specs, the running bot."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import App
from foundations.settings import Config
from foundations.settings_file import load_config
from handlers.store import Storage
from knowledge.service import KnowledgeService
from tests.faq_files import write_faq_dir

SHIPPED_FAQ = Path(__file__).resolve().parent.parent / "knowledge" / "faq"


@pytest.fixture(scope="session")
def shipped_knowledge() -> KnowledgeService:
    """The shipped FAQ, loaded once: loading takes seconds, matching does not change it.

    Specs that edit and reload the FAQ use their own service on `faq_dir` instead.
    """
    return KnowledgeService.from_config(Config())


@pytest.fixture
def faq_dir(tmp_path: Path) -> Path:
    """A copy of the shipped FAQ, so a test can change it and reload."""
    folder = tmp_path / "faq"
    shutil.copytree(SHIPPED_FAQ, folder)
    return folder


@pytest.fixture
def make_faq_dir(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """A fresh FAQ folder from `{file name: yaml text}` (see tests/faq_files.py)."""
    return lambda files: write_faq_dir(tmp_path / "small-faq", files)


@pytest.fixture
def make_config(tmp_path: Path, faq_dir: Path) -> Callable[..., Config]:
    """A Config on a temporary database and FAQ copy; `section__key=value` overrides."""

    def make(**overrides: Any) -> Config:
        path = tmp_path / "config.yaml"
        data: dict[str, dict[str, Any]] = {
            "storage": {"path": str(tmp_path / "data" / "troly06.db")},
            "knowledge": {"faq_dir": str(faq_dir)},
        }
        for dotted, value in overrides.items():
            section, key = dotted.split("__", 1)
            data.setdefault(section, {})[key] = value
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return load_config(path, environ={})

    return make


@pytest.fixture
def config(make_config: Callable[..., Config]) -> Config:
    """The default test configuration; specs needing other settings override this fixture."""
    return make_config()


@pytest.fixture
def storage(config: Config) -> Storage:
    """The conversation tables in this test's own database."""
    return Storage.open(config.storage.path, config.storage.retention_days)


@pytest.fixture
def knowledge(shipped_knowledge: KnowledgeService) -> KnowledgeService:
    """The knowledge the bot serves; specs that edit or extend the FAQ override this."""
    return shipped_knowledge


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    """Config overrides for the bot under test; specs override this fixture to change them."""
    return {}


@pytest.fixture
async def bot(bot_config: Config, knowledge: KnowledgeService) -> AsyncIterator[App]:
    """The running bot, stopped after the test.

    Each channel's conftest provides `bot_config`, pointing the channel at its fake platform.
    """
    app = App(bot_config, knowledge)
    await app.start()
    yield app
    await app.stop()
