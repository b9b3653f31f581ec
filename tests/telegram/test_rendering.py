"""What citizens see on Telegram: escaped HTML, bold titles, links, split long answers
(sent once each, even when a later part is rate limited)."""

from __future__ import annotations

import html

import pytest

from bot.app import App
from bot.channels.telegram.render import MAX_MESSAGE, render
from foundations.messages import Button, Link, Reply
from knowledge.service import KnowledgeService
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram.conftest import HTML_ENTRY_ID, LONG_ENTRY_ID, keyboard

CITIZEN = 701


@pytest.fixture
def knowledge(custom_knowledge: KnowledgeService) -> KnowledgeService:
    return custom_knowledge


async def test_html_in_answers_titles_and_links_is_escaped(
    bot: App, telegram_api: FakeTelegram
) -> None:
    telegram_api.press(CITIZEN, f"q:{HTML_ENTRY_ID}")
    (message,) = await telegram_api.wait_messages(CITIZEN, 1)
    assert message["text"].startswith("<b>Ký hiệu &lt;b&gt; &amp; ký tự đặc biệt?</b>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; \"x &lt; y\"" in message["text"]
    assert '<a href="https://vneid.gov.vn/?a=1&amp;b=2">Cổng &lt;DVC&gt; &amp; VNeID</a>' in (
        message["text"])
    assert "<script>" not in message["text"]


async def test_a_long_answer_is_split_with_the_buttons_under_the_last_part(
    bot: App, telegram_api: FakeTelegram
) -> None:
    telegram_api.press(CITIZEN, f"q:{LONG_ENTRY_ID}")
    first, second = await telegram_api.wait_messages(CITIZEN, 2)
    assert all(len(m["text"]) <= MAX_MESSAGE for m in (first, second))
    assert first["text"].startswith("<b>Hướng dẫn rất dài")
    assert "reply_markup" not in first
    assert keyboard(second)[0] == f"fb:y:{LONG_ENTRY_ID}:0"
    assert second["text"].endswith("</a>")


async def test_429_on_the_second_part_does_not_repeat_the_first(
    bot: App, telegram_api: FakeTelegram
) -> None:
    telegram_api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1,
                      after=1)
    telegram_api.press(CITIZEN, f"q:{LONG_ENTRY_ID}")
    await telegram_api.wait_messages(CITIZEN, 3, timeout=5)
    part1, failed, part2 = [m["text"] for m in telegram_api.sent("sendMessage", CITIZEN)]
    assert failed == part2 != part1
    await bot.outbox.join()
    assert len(telegram_api.sent("sendMessage", CITIZEN)) == 3


def test_every_piece_of_a_huge_reply_fits_and_nothing_is_lost() -> None:
    word = "dài&" * 3000  # one "word" far over the limit, whose escaping grows it
    reply = Reply(text=f"mở đầu\n{word}\nkết thúc", title="Tiêu đề")
    messages = render(reply)
    assert len(messages) > 2
    assert all(len(m.html) <= MAX_MESSAGE for m in messages)
    text = html.unescape("".join(m.html for m in messages).replace("\n", ""))
    assert word in text and text.endswith("kết thúc")  # cut pieces go on new lines


def test_callback_data_over_64_bytes_is_never_sent() -> None:
    reply = Reply(text="x", buttons=((Button("ok", "q:a"), Button("quá dài", "q:" + "x" * 70)),))
    (message,) = render(reply)
    assert [b["callback_data"] for row in message.markup["inline_keyboard"] for b in row] == [
        "q:a"]


def test_a_phone_request_gets_a_contact_keyboard() -> None:
    (message,) = render(Reply(text="Chia sẻ số", request_phone=True))
    (row,) = message.markup["keyboard"]
    assert row[0]["request_contact"] is True

    with_buttons = render(Reply(text="x", buttons=((Button("a", "m"),),), request_phone=True,
                                links=(Link("t", "https://a.vn"),)))
    assert ["inline_keyboard" in m.markup for m in with_buttons] == [True, False]
    assert "keyboard" in with_buttons[1].markup
