"""A real Conversation on the shipped FAQ (copied) and a temporary SQLite database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from foundations.messages import Incoming, Reply
from foundations.settings import Config
from handlers.conversation import Conversation
from handlers.flood import FloodGuard
from handlers.router import Services
from handlers.store import Storage
from knowledge.service import KnowledgeService

Say = Callable[..., Awaitable[list[Reply]]]


class FakeClock:
    """Seconds that tests move by hand, for flood windows."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def editable_knowledge(config: Config) -> KnowledgeService:
    """A service on this test's own FAQ copy (`faq_dir`), safe to edit and reload."""
    return KnowledgeService.from_config(config)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def flood_limit() -> int:
    """Messages a user may send per minute; flood specs override it."""
    return 30


@pytest.fixture
def conversation(
    config: Config,
    storage: Storage,
    knowledge: KnowledgeService,
    clock: FakeClock,
    flood_limit: int,
) -> Conversation:
    services = Services(knowledge=knowledge, config=config, storage=storage)
    return Conversation(services, flood=FloodGuard(flood_limit, 60, clock))


@pytest.fixture
def say(conversation: Conversation) -> Say:
    """Send text (or press=payload) as user "u1" on the test channel; returns the replies."""

    async def send(text: str | None = None, press: str | None = None, user: str = "u1",
                   numbered: bool = False) -> list[Reply]:
        incoming = Incoming(channel="test", user_id=user, chat_id=f"c-{user}",
                            display_name="Nguyễn Văn A", text=text, button=press,
                            numbered_choices=numbered)
        return await conversation.handle(incoming)

    return send


def payloads(reply: Reply) -> list[str]:
    return [button.payload for button in reply.all_buttons()]


def labels(reply: Reply) -> list[str]:
    return [button.label for button in reply.all_buttons()]
