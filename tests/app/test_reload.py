"""Reloading a running bot (SIGHUP): new files serve, broken ones never replace the old."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.app import App
from handlers.admin import settle_memory


@pytest.fixture
def settled() -> Iterator[None]:
    """This process settled as `troly06 run` does once started (frozen for the collector)."""
    settle_memory()
    yield
    gc.unfreeze()


async def test_a_reload_serves_the_edited_faq(make_config, faq_dir) -> None:
    app = App(make_config())
    path = faq_dir / "vneid-su-co.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "question: Quên mật khẩu", "question: Tôi lỡ quên mật khẩu", 1), encoding="utf-8")
    assert await app.reload_in_background() == []
    assert app.knowledge.kb.get("quen-mat-khau").question.startswith("Tôi lỡ quên mật khẩu")


async def test_a_broken_file_is_logged_and_the_old_knowledge_keeps_serving(
    make_config, faq_dir, caplog
) -> None:
    app = App(make_config())
    (faq_dir / "hong.yaml").write_text("- id: [chưa đóng\n", encoding="utf-8")
    problems = await app.reload_in_background()
    assert problems and problems[0].startswith(f"{faq_dir / 'hong.yaml'}:")
    assert any("lỗi cú pháp YAML" in r.getMessage() for r in caplog.records)
    assert app.knowledge.match("quên mật khẩu vneid thì làm sao").entry.id == "quen-mat-khau"


async def test_a_reload_in_a_settled_process_lets_the_previous_knowledge_go(
    make_config, settled
) -> None:
    app = App(make_config())
    settle_memory()  # started
    previous = weakref.ref(app.knowledge.normalizer)
    assert await app.reload_in_background() == []
    assert previous() is None  # collected, not frozen for good
    assert gc.get_freeze_count() > 0  # what the reload loaded is settled in turn
