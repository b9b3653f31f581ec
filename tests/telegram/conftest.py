"""The whole bot (App) against the local fake Bot API, over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.channels.telegram.channel import TYPING_AFTER, TelegramChannel
from bot.outbox import Outbox
from foundations.messages import Reply
from foundations.settings import Config
from handlers.conversation import Conversation
from handlers.router import Router, Services
from handlers.routers import ROUTERS
from handlers.store import Storage
from knowledge.service import KnowledgeService
from tests.channels import FAST_OUTBOX
from tests.fakes.telegram_api import TOKEN, FakeTelegram

WEBHOOK_SECRET = "s3cret-Token_for-tests"


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as api:
        yield api


@pytest.fixture
def bot_config(
    make_config: Callable[..., Config], telegram_api: FakeTelegram, bot_settings: dict[str, Any]
) -> Config:
    """The Telegram channel on the fake Bot API, polling every second; `bot` runs with it."""
    settings = {
        "telegram__token": TOKEN,
        "telegram__base_url": telegram_api.base_url,
        **FAST_OUTBOX,
        "telegram__poll_timeout": 1,
        **bot_settings,
    }
    return make_config(**settings)


SLOW_COMMAND = "cham"


@pytest.fixture
async def slow_bot(bot_config: Config, knowledge: KnowledgeService) -> AsyncIterator[None]:
    """The Telegram channel with one more command, /cham, whose answer takes noticeably
    longer than TYPING_AFTER (as a matcher on a huge knowledge base might)."""
    slow = Router("slow")

    @slow.command(SLOW_COMMAND)
    async def answer_slowly(_: object) -> list[Reply]:
        await asyncio.sleep(TYPING_AFTER + 0.5)
        return [Reply(text="Xong rồi.")]

    storage = Storage.open(bot_config.storage.path)
    services = Services(knowledge, bot_config, storage)
    outbox = Outbox()
    channel = TelegramChannel(bot_config, Conversation(services, [slow, *ROUTERS]), outbox,
                              storage)
    await outbox.start()
    await channel.start()
    yield
    await channel.stop()
    await outbox.stop()


LONG_ENTRY_ID = "tra-loi-rat-dai"
READ = date(2026, 11, 22)
HTML_ENTRY_ID = "ky-tu-dac-biet"


@pytest.fixture
def custom_knowledge(faq_dir: Path, make_config: Callable[..., Config]) -> KnowledgeService:
    """The shipped FAQ plus an answer longer than one Telegram message and one full of
    characters that mean something in HTML. Specs opt in by overriding `knowledge`."""
    long_answer = "\n".join(f"{n}. Bước thứ {n}: mở ứng dụng VNeID và làm theo hướng dẫn "
                            "trên màn hình, kiểm tra kỹ thông tin trước khi bấm gửi."
                            for n in range(1, 40))[:3990]
    entries = [
        _entry(LONG_ENTRY_ID, "Hướng dẫn rất dài từng bước một?", long_answer),
        _entry(HTML_ENTRY_ID, "Ký hiệu <b> & ký tự đặc biệt?",
               "Gõ <script>alert(1)</script> & \"x < y\" không sao cả."),
    ]
    (faq_dir / "zz-test.yaml").write_text(yaml.safe_dump(entries, allow_unicode=True),
                                         encoding="utf-8")
    return KnowledgeService.from_config(make_config())


def _entry(entry_id: str, question: str, answer: str) -> dict[str, Any]:
    return {
        "id": entry_id, "category": "ho-tro", "question": question,
        "variants": [f"{question} biến thể {n}" for n in range(1, 5)],
        "answer": answer, "links": [{"title": "Cổng <DVC> & VNeID", "url": "https://vneid.gov.vn/?a=1&b=2"}],
        "sources": [{"url": "https://vneid.gov.vn", "read": READ}], "updated": READ,
    }  # fmt: skip


def keyboard(message: dict[str, Any]) -> list[str]:
    """callback_data of a sent message's inline keyboard, in reading order."""
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]
