"""A confirmed broadcast goes out through the real outbox and Telegram client to the local
fake Bot API: once to each recipient, behind citizens' replies, with live progress and
final counts; a citizen who blocked the bot is counted and no longer active."""

import asyncio

from bot.app import App
from bot.broadcast import BroadcastSender
from handlers.broadcast_model import Audience, Progress
from handlers.broadcast_store import Broadcasts
from tests.broadcast.conftest import working_groups
from tests.fakes.telegram_api import FakeTelegram
from tests.scheduler.conftest import CHATS

TEXT = "Bộ phận một cửa phường nghỉ chiều thứ Sáu 05/12; người dân vui lòng đến sáng thứ Hai."
CITIZENS = [501, 502, 503, 504, 505]


def engine(bot: App) -> Broadcasts:
    return bot.services.extras["broadcasts"]


async def opted_in_citizens(api: FakeTelegram, users: list[int]) -> None:
    """Each citizen sends /nhanthongbao and gets the confirmation."""
    for user in users:
        api.send_text(user, "/nhanthongbao")
    for user in users:
        await api.wait_messages(user, 1)


def broadcasts_to(api: FakeTelegram, user: int) -> int:
    return sum(TEXT in m["text"] for m in api.sent("sendMessage", user))


async def finished(bot: App, broadcast_id: int, timeout: float = 10.0) -> Progress:
    for _ in range(int(timeout / 0.02)):
        progress = engine(bot).progress(broadcast_id)
        if progress.finished:
            return progress
        await asyncio.sleep(0.02)
    raise AssertionError(f"not finished: {engine(bot).progress(broadcast_id).describe()}")


async def send(bot: App, audience: Audience | None = None) -> int:
    draft = engine(bot).create(TEXT, audience or Audience.citizens(), by="test")
    engine(bot).confirm(draft.id, by="test")
    return draft.id


async def test_each_opted_in_citizen_gets_it_once_and_the_final_counts_say_so(
    bot: App, telegram_api: FakeTelegram
):
    await opted_in_citizens(telegram_api, CITIZENS)
    telegram_api.send_text(600, "/nhanthongbao")
    telegram_api.send_text(600, "/huythongbao")
    telegram_api.send_text(601, "xin chào")
    await telegram_api.wait_messages(601, 1)
    progress = await finished(bot, await send(bot))
    assert [broadcasts_to(telegram_api, user) for user in CITIZENS] == [1] * len(CITIZENS)
    assert broadcasts_to(telegram_api, 600) == broadcasts_to(telegram_api, 601) == 0
    assert progress.counts == {"sent": 5}
    assert progress.describe().endswith("(đã gửi xong) tới người dân đã đăng ký nhận thông "
                                        "báo: 5 người nhận; 5 đã gửi.")


async def test_progress_shows_what_is_sent_and_what_waits_while_sending(
    bot: App, telegram_api: FakeTelegram
):
    await opted_in_citizens(telegram_api, CITIZENS)
    telegram_api.delay("sendMessage", 1.0)  # the platform is slow with the first one
    broadcast_id = await send(bot)
    await telegram_api.wait_for(lambda: len(telegram_api.sent()) > len(CITIZENS))
    during = engine(bot).progress(broadcast_id)
    assert during.counts == {"pending": 5} and not during.finished
    assert "đang gửi" in during.describe()
    final = await finished(bot, broadcast_id)
    assert final.counts == {"sent": 5}


async def test_a_citizen_who_blocked_the_bot_is_counted_and_marked_inactive(
    bot: App, telegram_api: FakeTelegram
):
    await opted_in_citizens(telegram_api, CITIZENS)
    telegram_api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    progress = await finished(bot, await send(bot))
    assert progress.counts == {"sent": 4, "blocked": 1}
    assert "1 đã chặn bot" in progress.describe()
    inactive = bot.storage.db.execute("SELECT user_id FROM users WHERE active = 0").fetchall()
    assert inactive == [(str(CITIZENS[0]),)]


async def test_a_citizens_question_is_answered_while_a_broadcast_is_going_out(
    bot: App, telegram_api: FakeTelegram
):
    await opted_in_citizens(telegram_api, CITIZENS)
    telegram_api.delay("sendMessage", 2.0)  # the platform holds the first broadcast message
    broadcast_id = await send(bot)
    await telegram_api.wait_for(lambda: len(telegram_api.sent()) > len(CITIZENS))
    telegram_api.send_text(700, "làm căn cước cho trẻ em ở đâu")
    await telegram_api.wait_messages(700, 1, timeout=1.5)
    assert engine(bot).progress(broadcast_id).counts == {"pending": 5}
    await finished(bot, broadcast_id)


async def test_working_group_members_get_it_once_even_when_in_two_groups(
    bot: App, telegram_api: FakeTelegram, tmp_path
):
    chats = {phone: str(9000 + n) for n, phone in enumerate(CHATS)}
    working_groups(bot.storage.db, tmp_path, chats)
    telegram_api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    groups = engine(bot).resolve_groups(["hn"])  # the city and every group below it
    progress = await finished(bot, await send(bot, Audience.of_groups(groups)))
    assert progress.counts == {"sent": 4, "blocked": 1}
    # Each official's chat was sent to once (one answered 403), An's too though in two groups.
    assert [broadcasts_to(telegram_api, int(chat)) for chat in chats.values()] == [1] * 5
    inactive = bot.storage.db.execute("SELECT DISTINCT chat_id FROM members WHERE active = 0")
    assert len(inactive.fetchall()) == 1


async def test_cancelling_mid_broadcast_stops_the_rest_and_counts_what_still_left(
    bot: App, telegram_api: FakeTelegram
):
    await opted_in_citizens(telegram_api, CITIZENS)
    telegram_api.delay("sendMessage", 1.0)  # the first broadcast message is held
    broadcast_id = await send(bot)
    await telegram_api.wait_for(lambda: len(telegram_api.sent()) > len(CITIZENS))
    engine(bot).cancel(broadcast_id, by="test")
    await telegram_api.wait_for(  # the held message and the one queued behind it finish
        lambda: engine(bot).progress(broadcast_id).counts.get("sent") == 2, timeout=5)
    await asyncio.sleep(0.3)  # and nothing else leaves
    progress = engine(bot).progress(broadcast_id)
    assert progress.counts == {"sent": 2, "stopped": 3}  # two were already in the outbox
    assert sum(broadcasts_to(telegram_api, user) for user in CITIZENS) == 2


async def test_a_message_that_surely_did_not_leave_waits_and_goes_later(
    bot: App, telegram_api: FakeTelegram
):
    await opted_in_citizens(telegram_api, CITIZENS[:1])
    sender = next(c for c in bot.components if isinstance(c, BroadcastSender))
    sender.failed_pause = 1.0  # instead of a minute: the channel rests, then tries again
    telegram_api.fail("sendMessage", 500, "Internal Server Error", times=5)  # retries spent
    broadcast_id = await send(bot)
    await telegram_api.wait_for(lambda: len(telegram_api.sent()) == 1 + 5)
    await asyncio.sleep(0.5)
    assert engine(bot).progress(broadcast_id).counts == {"pending": 1}  # kept, not lost
    progress = await finished(bot, broadcast_id)
    assert progress.counts == {"sent": 1}
    assert broadcasts_to(telegram_api, CITIZENS[0]) == 6  # five 500s, then the one accepted
