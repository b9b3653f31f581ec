"""/start, /menu, /help, /lienhe and unknown commands."""

from __future__ import annotations

from tests.conversation.conftest import Say, labels, payloads


async def test_start_greets_by_name_and_shows_every_category(say: Say, knowledge) -> None:
    greeting, menu = await say("/start")
    assert "Xin chào Nguyễn Văn A!" in greeting.text
    assert [c.title for c in knowledge.kb.categories] == labels(menu)[:-1]
    assert payloads(menu)[-1] == "lh"


async def test_menu_command_and_button_show_the_same_menu(say: Say) -> None:
    (by_command,) = await say("/menu")
    (by_button,) = await say(press="m")
    assert by_command == by_button
    assert "menu" in by_command.tags


async def test_command_addressed_to_the_bot_in_a_group_still_works(say: Say) -> None:
    replies = await say("/menu@Troly06Bot")
    assert "menu" in replies[0].tags


async def test_help_explains_and_warns_about_secrets(say: Say) -> None:
    (reply,) = await say("/help")
    assert "/menu" in reply.text and "/lienhe" in reply.text
    assert "mã OTP" in reply.text


async def test_lienhe_shows_the_human_help_facts_from_the_knowledge_base(say: Say,
                                                                         knowledge) -> None:
    replies = await say("/lienhe")
    kb = knowledge.kb
    assert [r.text for r in replies] == [
        kb.entries["tong-dai-ho-tro"].answer.strip(),
        kb.entries["ho-tro-tai-cho"].answer.strip(),
    ]
    assert await say(press="lh") == replies


async def test_unknown_command_gets_a_usage_hint(say: Say) -> None:
    (reply,) = await say("/xyz")
    assert "/help" in reply.text
