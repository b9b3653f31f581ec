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


async def test_a_number_that_picks_nothing_is_told_so_and_not_recorded(
    say: Say, storage
) -> None:
    await say("/menu", numbered=True)
    for number in ("99", "0"):
        (reply,) = await say(number, numbered=True)
        assert reply.text.startswith(f"Không có lựa chọn số {number}. Gõ một số từ 1 đến")
    (reply,) = await say("2", numbered=True)  # the list shown is still the one to pick from
    assert "category" in reply.tags
    assert list(storage.db["questions"].rows) == []


async def test_a_number_with_no_list_shown_points_to_the_menu(say: Say, storage) -> None:
    (reply,) = await say("3", numbered=True)
    assert "Số 3 không ứng với lựa chọn nào đang mở" in reply.text and "/menu" in reply.text
    assert list(storage.db["questions"].rows) == []
