"""Retention while the bot runs: question text goes once older than `retention_days`, even
if the bot is never restarted (the check at start is not enough for a long-running bot)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.app import RETENTION_CHECK_SECONDS, App
from foundations.messages import Incoming
from foundations.settings import Config
from knowledge.service import KnowledgeService
from tests.fakes.clock import ManualClock


async def test_question_text_is_erased_after_the_retention_period_without_a_restart(
    make_config: Callable[..., Config], shipped_knowledge: KnowledgeService
) -> None:
    clock = ManualClock(datetime.now(UTC))
    config = make_config(storage__retention_days=1, scheduler__enabled=False,
                         console__enabled=False)
    app = App(config, shipped_knowledge, clock=clock)
    await app.start()
    await app.conversation.handle(Incoming("test", "u1", "c1", text="giá vàng hôm nay"))
    await clock.advance(timedelta(days=1).total_seconds() - RETENTION_CHECK_SECONDS)
    assert question_texts(app) == ["giá vàng hôm nay"]  # not a day old at the last check
    await clock.advance(2 * RETENTION_CHECK_SECONDS)
    assert question_texts(app) == [None]
    await app.stop()


def question_texts(app: App) -> list[str | None]:
    return [row["text"] for row in app.storage.db["questions"].rows]
