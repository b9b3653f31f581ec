"""Channels that show buttons as numbered lists: a typed number presses the n-th button."""

from __future__ import annotations

from tests.conversation.conftest import Say


async def test_a_typed_number_presses_that_button_of_the_last_reply(
    say: Say, conversation, knowledge
) -> None:
    await say("/menu", numbered=True)
    remembered = conversation.last_buttons.get("test", "c-u1")
    assert remembered[0].payload == f"c:{knowledge.kb.categories[0].id}:1"

    (reply,) = await say("1", numbered=True)
    assert reply.title == knowledge.kb.categories[0].title


async def test_numbers_are_plain_text_on_channels_with_real_buttons(say: Say) -> None:
    await say("/menu")
    replies = await say("1")
    assert all(r.title is None or "VNeID" not in r.title for r in replies)
    assert "category" not in replies[0].tags


async def test_a_number_out_of_range_is_treated_as_text(say: Say) -> None:
    await say("/menu", numbered=True)
    replies = await say("42", numbered=True)
    assert "category" not in replies[0].tags
