"""Citizens choose in chat whether they receive broadcasts, on any channel."""

from handlers.conversation import Conversation
from handlers.store import Storage
from tests.broadcast.conftest import Say


def opted_in(storage: Storage, channel: str, user: str) -> int:
    return storage.db.execute(
        "SELECT opted_in FROM users WHERE channel = ? AND user_id = ?", [channel, user]
    ).fetchone()[0]


async def test_nhanthongbao_opts_the_citizen_in_and_says_how_to_stop(say: Say, storage: Storage):
    [reply] = await say("/nhanthongbao", user="7", channel="zalo_bot")
    assert "Đã đăng ký" in reply.text and "/huythongbao" in reply.text
    assert opted_in(storage, "zalo_bot", "7") == 1


async def test_opting_in_twice_says_so_and_changes_nothing(say: Say, storage: Storage):
    await say("/nhanthongbao")
    [reply] = await say("/nhanthongbao")
    assert "đã đăng ký nhận thông báo rồi" in reply.text
    assert opted_in(storage, "telegram", "1") == 1


async def test_huythongbao_opts_out_and_a_second_time_says_there_is_nothing_to_stop(
    say: Say, storage: Storage
):
    await say("/nhanthongbao")
    [reply] = await say("/huythongbao")
    assert "Đã hủy" in reply.text and opted_in(storage, "telegram", "1") == 0
    [again] = await say("/huythongbao")
    assert "hiện không nhận thông báo" in again.text


async def test_writing_again_keeps_the_choice(say: Say, storage: Storage):
    await say("/nhanthongbao")
    await say("làm căn cước ở đâu")
    assert opted_in(storage, "telegram", "1") == 1


def test_citizens_find_both_commands_in_the_menu_and_admins_theirs_unadvertised(
    conversation: Conversation,
):
    commands = dict(conversation.commands())
    assert {"nhanthongbao", "huythongbao"} <= set(commands)
    assert "thongbao" not in commands
