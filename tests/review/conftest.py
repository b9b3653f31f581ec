"""A conversation on an editable FAQ copy and its database, to produce missed questions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from foundations.messages import Incoming, Reply
from foundations.settings import Config
from handlers.conversation import Conversation
from handlers.router import Services
from handlers.store import Storage
from knowledge.service import KnowledgeService

Ask = Callable[..., Awaitable[list[Reply]]]


@pytest.fixture
def service(config: Config) -> KnowledgeService:
    return KnowledgeService.from_config(config)


@pytest.fixture
def ask(config: Config, storage: Storage, service: KnowledgeService) -> Ask:
    """Send text (or press=payload) as `user` on the test channel; returns the replies."""
    conversation = Conversation(Services(knowledge=service, config=config, storage=storage))

    async def send(text: str | None = None, press: str | None = None,
                   user: str = "u1") -> list[Reply]:
        return await conversation.handle(Incoming(channel="test", user_id=user,
                                                  chat_id=f"c-{user}", text=text, button=press))

    return send
