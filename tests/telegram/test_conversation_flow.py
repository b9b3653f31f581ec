"""Citizens' conversations end to end: fake Bot API ⇄ PTB ⇄ conversation ⇄ SQLite."""

from __future__ import annotations

from bot.app import App
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram.conftest import keyboard

CITIZEN = 501


async def test_bot_registers_vietnamese_commands_on_start(
    bot: App, telegram_api: FakeTelegram
) -> None:
    (call,) = telegram_api.sent("setMyCommands")
    commands = {c["command"]: c["description"] for c in call["commands"]}
    assert commands["start"] == "Bắt đầu và xem menu chính"
    assert {"menu", "help", "lienhe"} <= set(commands)


async def test_start_menu_category_question_answer_feedback(
    bot: App, telegram_api: FakeTelegram
) -> None:
    telegram_api.send_text(CITIZEN, "/start", name="Lan")
    greeting, menu = await telegram_api.wait_messages(CITIZEN, 2)
    assert "Xin chào Lan!" in greeting["text"]
    assert greeting["parse_mode"] == "HTML"
    assert "c:vneid-su-co:1" in keyboard(menu)

    telegram_api.press(CITIZEN, "c:vneid-su-co:1")
    category = (await telegram_api.wait_messages(CITIZEN, 3))[-1]
    assert "<b>Đăng nhập, mật khẩu và sự cố VNeID</b>" in category["text"]
    assert "q:quen-mat-khau" in keyboard(category)
    assert telegram_api.sent("answerCallbackQuery")

    telegram_api.press(CITIZEN, "q:quen-mat-khau")
    answer = (await telegram_api.wait_messages(CITIZEN, 4))[-1]
    question = bot.knowledge.kb.entries["quen-mat-khau"].question
    assert answer["text"].startswith(f"<b>{question}</b>")
    assert keyboard(answer)[0] == "fb:y:quen-mat-khau:0"

    telegram_api.press(CITIZEN, "fb:y:quen-mat-khau:0")
    await telegram_api.wait_messages(CITIZEN, 5)
    (row,) = list(bot.storage.db["feedback"].rows)
    assert (row["user_id"], row["entry_id"], row["helpful"]) == (str(CITIZEN), "quen-mat-khau", 1)
    user = bot.storage.db["users"].get(("telegram", str(CITIZEN)))
    assert user["chat_id"] == str(CITIZEN) and user["active"] == 1


async def test_free_text_with_and_without_diacritics_is_answered(
    bot: App, telegram_api: FakeTelegram
) -> None:
    telegram_api.send_text(CITIZEN, "Quên mật khẩu VNeID thì làm sao?")
    telegram_api.send_text(CITIZEN, "quen mat khau vneid thi lam sao")
    first, second = await telegram_api.wait_messages(CITIZEN, 2)
    assert first["text"] == second["text"]
    assert keyboard(first)[0].startswith("fb:y:quen-mat-khau:")
    assert [r["outcome"] for r in bot.storage.db["questions"].rows] == ["answered", "answered"]


async def test_suggestion_button_leads_to_the_answer(
    bot: App, telegram_api: FakeTelegram
) -> None:
    telegram_api.send_text(CITIZEN, "thẻ")
    (suggestion,) = await telegram_api.wait_messages(CITIZEN, 1)
    assert suggestion["text"].startswith("Có phải bạn muốn hỏi")
    choice = keyboard(suggestion)[0]
    telegram_api.press(CITIZEN, choice)
    answer = (await telegram_api.wait_messages(CITIZEN, 2))[-1]
    entry = bot.knowledge.kb.entries[choice.split(":")[1]]  # q:<entry>:<question id>
    assert answer["text"].startswith(f"<b>{entry.question}</b>")


async def test_off_topic_question_gets_the_fallback(bot: App, telegram_api: FakeTelegram) -> None:
    telegram_api.send_text(CITIZEN, "giá vàng hôm nay bao nhiêu")
    (reply,) = await telegram_api.wait_messages(CITIZEN, 1)
    assert "chưa chắc" in reply["text"]
    assert "lh" in keyboard(reply)


async def test_otp_and_id_numbers_are_warned_about_and_not_stored(
    bot: App, telegram_api: FakeTelegram
) -> None:
    telegram_api.send_text(CITIZEN, "mã OTP của tôi là 482913")
    telegram_api.send_text(CITIZEN, "001095001234")
    first, second = await telegram_api.wait_messages(CITIZEN, 2)
    assert "giả danh" in first["text"] and "số định danh" in second["text"]
    assert bot.storage.db["questions"].count == 0
    dump = "\n".join(bot.storage.db.iterdump())
    assert "482913" not in dump and "001095001234" not in dump


async def test_users_are_served_concurrently_and_each_in_order(
    bot: App, telegram_api: FakeTelegram
) -> None:
    for user in (601, 602, 603):
        telegram_api.send_text(user, "/help")
        telegram_api.send_text(user, "/menu")
    for user in (601, 602, 603):
        help_reply, menu = await telegram_api.wait_messages(user, 2)
        assert "/lienhe" in help_reply["text"]
        assert "c:vneid-su-co:1" in keyboard(menu)


async def test_one_users_messages_are_answered_in_order_even_if_the_first_is_slower(
    bot: App, telegram_api: FakeTelegram
) -> None:
    telegram_api.delay("sendChatAction", 0.5)  # the first "typing…" takes Telegram a while
    telegram_api.send_text(604, "/help")
    telegram_api.send_text(604, "/menu")
    help_reply, menu = await telegram_api.wait_messages(604, 2)
    assert "/lienhe" in help_reply["text"]
    assert "c:vneid-su-co:1" in keyboard(menu)
