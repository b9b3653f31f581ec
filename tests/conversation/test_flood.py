"""Per-user flood control: one polite notice, then silence until the window passes."""

from __future__ import annotations

import pytest

from tests.conversation.conftest import FakeClock, Say


@pytest.fixture
def flood_limit() -> int:
    return 5


async def test_excess_messages_get_one_notice_then_silence(say: Say, clock: FakeClock) -> None:
    for _ in range(5):
        assert await say("/menu")
    (notice,) = await say("/menu")
    assert "hơi nhanh" in notice.text
    assert await say("/menu") == []
    assert await say("/menu") == []

    clock.now += 61
    assert await say("/menu")


async def test_one_user_flooding_does_not_silence_another(say: Say) -> None:
    for _ in range(7):
        await say("/menu", user="spammer")
    assert await say("/menu", user="calm")
