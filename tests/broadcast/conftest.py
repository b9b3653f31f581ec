"""Broadcast fixtures: the engine on a temporary database with Telegram and Zalo Bot
enabled, a conversation that reaches it, and citizens who opted in; for the sending specs,
the whole bot on the fake Bot API as the Telegram specs run it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import pytest
import sqlite_utils

from bot.broadcast import broadcasts_for
from foundations.messages import Incoming, Reply
from foundations.settings import Config
from handlers.broadcast_store import Broadcasts
from handlers.conversation import Conversation
from handlers.router import Services
from handlers.store import Storage
from knowledge.service import KnowledgeService
from scheduler.files import load_roster
from scheduler.store import join_by_code, join_by_phone, sync_roster
from tests.fakes.telegram_api import TOKEN
from tests.scheduler.conftest import LEVELS, ROSTER_YAML, TZ
from tests.telegram.conftest import bot_config, telegram_api  # noqa: F401 (fixtures)

ADMIN = "telegram:1"
Say = Callable[..., Awaitable[list[Reply]]]


@pytest.fixture
def config(make_config: Callable[..., Config]) -> Config:
    """Telegram and Zalo Bot configured (never started here), an admin, no reminders."""
    return make_config(telegram__token=TOKEN, zalo_bot__token="zalo-bot-token",
                       admin__users=[ADMIN], scheduler__enabled=False)


@pytest.fixture
def storage(config: Config) -> Storage:
    return Storage.open(config.storage.path)


@pytest.fixture
def broadcasts(storage: Storage, config: Config) -> Broadcasts:
    return broadcasts_for(storage, config)


@pytest.fixture
def conversation(
    config: Config, storage: Storage, broadcasts: Broadcasts, shipped_knowledge: KnowledgeService
) -> Conversation:
    return Conversation(Services(shipped_knowledge, config, storage, {"broadcasts": broadcasts}))


@pytest.fixture
def say(conversation: Conversation) -> Say:
    """Send text (or press=payload) as `user` on `channel`; returns the replies."""

    async def send(text: str | None = None, user: str = "1", channel: str = "telegram",
                   press: str | None = None) -> list[Reply]:
        return await conversation.handle(Incoming(channel, user, user, "Dân", text, press))

    return send


def opt_in(storage: Storage, channel: str, *users: str) -> None:
    """Citizens who wrote to the bot and sent /nhanthongbao."""
    for user in users:
        storage.touch_user(channel, user, user)
        storage.set_opted_in(channel, user, True)


def working_groups(db: sqlite_utils.Database, folder: Path, chats: Mapping[str, str]) -> None:
    """The scheduler's example roster (a city, a ward, a residential group; five officials),
    each official on Telegram in the chat `chats` gives for their phone; An (0900000002)
    also joined the residential group's by code, so An is in two groups."""
    roster_file = folder / "roster.yaml"
    roster_file.write_text(ROSTER_YAML, encoding="utf-8")
    roster, problems = load_roster([roster_file], LEVELS, tz=TZ)
    assert roster is not None, [str(p) for p in problems]
    sync_roster(db, roster)
    for phone, chat in chats.items():
        join_by_phone(db, phone, "telegram", chat)
    join_by_code(db, "TDP1BD06", "telegram", chats["0900000002"], "An")
