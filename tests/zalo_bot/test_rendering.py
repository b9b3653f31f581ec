"""Replies as Zalo plain text: 2,000-character parts cut at natural boundaries, buttons as
numbered choices with a Vietnamese hint — sent by the real sender to the fake API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.channels.delivery import RememberingChoices
from bot.channels.plain_text import choice_hint, split_text
from bot.channels.zalo_bot.channel import MAX_TEXT, ZaloBotApi, ZaloBotSender
from bot.outbox import TemporaryFailure, Unconfirmed
from foundations.messages import Button, Reply
from handlers.conversation import LastButtons
from tests.fakes.local_server import free_port
from tests.fakes.zalo_bot_api import TOKEN, FakeZaloBot

CHAT = "zl-render"
SENTENCE = "Mở ứng dụng VNeID, chọn mục thủ tục hành chính và làm theo hướng dẫn. "
PARAGRAPH = " ".join(f"Bước {n}: {SENTENCE.strip()}" for n in range(1, 71))


@pytest.fixture
async def sender(zalo_api: FakeZaloBot) -> AsyncIterator[ZaloBotSender]:
    async with aiohttp.ClientSession() as session:
        yield ZaloBotSender(ZaloBotApi(session, zalo_api.base_url, TOKEN))


async def test_a_long_answer_is_split_under_2000_characters_on_line_ends(
    sender: ZaloBotSender, zalo_api: FakeZaloBot
) -> None:
    lines = [f"{n}. {SENTENCE}" for n in range(1, 60)]
    await sender.send(CHAT, Reply("\n".join(lines), buttons=((Button("🏠 Menu chính", "m"),),)))
    parts = zalo_api.texts(CHAT)
    assert len(parts) >= 3 and all(len(part) <= MAX_TEXT for part in parts)
    assert all(part.split("\n")[0] in lines for part in parts)  # every part starts a line
    assert parts[-1].endswith("  1. 🏠 Menu chính\nGõ 1 để chọn.")


async def test_a_long_paragraph_is_cut_between_sentences_and_nothing_is_lost(
    sender: ZaloBotSender, zalo_api: FakeZaloBot
) -> None:
    await sender.send(CHAT, Reply(PARAGRAPH))
    parts = zalo_api.texts(CHAT)
    assert len(parts) == 3 and all(part.endswith("hướng dẫn.") for part in parts)
    assert all(part.startswith("Bước ") for part in parts)
    assert " ".join(parts) == PARAGRAPH


async def test_a_part_that_failed_is_resent_without_repeating_the_parts_before_it(
    sender: ZaloBotSender, zalo_api: FakeZaloBot
) -> None:
    reply = Reply(PARAGRAPH)
    zalo_api.fail("sendMessage", 500, "Internal Server Error", http_status=500, after=1)
    with pytest.raises(TemporaryFailure):
        await sender.send(CHAT, reply)
    await sender.send(CHAT, reply)
    first, second, third = split_text(PARAGRAPH, MAX_TEXT)
    assert zalo_api.texts(CHAT) == [first, second, second, third]


async def test_choices_sent_through_the_outbox_are_remembered_for_typed_numbers(
    sender: ZaloBotSender,
) -> None:
    remembered = LastButtons()
    choices = (Button("✅ Đã hoàn thành", "nv:done:1"), Button("⏰ Nhắc lại sau", "nv:snooze:1"))
    await RememberingChoices(sender, remembered).send(CHAT, Reply("Nhắc việc", buttons=(choices,)))
    assert [b.payload for b in remembered.get("zalo_bot", CHAT)] == ["nv:done:1", "nv:snooze:1"]


def test_the_hint_names_the_numbers_in_vietnamese() -> None:
    assert choice_hint(1) == "Gõ 1 để chọn."
    assert choice_hint(2) == "Gõ 1 hoặc 2 để chọn."
    assert choice_hint(3) == "Gõ 1, 2 hoặc 3 để chọn."
    assert choice_hint(7) == "Gõ một số từ 1 đến 7 để chọn."


def test_splitting_falls_back_to_words_then_characters() -> None:
    assert split_text("một hai ba bốn", 8) == ["một hai", "ba bốn"]
    assert split_text("x" * 10, 4) == ["xxxx", "xxxx", "xx"]
    assert split_text("\n\nchào\n\n", 100) == ["chào"]


async def test_only_a_send_that_surely_did_not_leave_is_worth_retrying(
    zalo_api: FakeZaloBot,
) -> None:
    async with aiohttp.ClientSession() as session:
        nobody = ZaloBotApi(session, f"http://127.0.0.1:{free_port()}/bot", TOKEN)
        with pytest.raises(TemporaryFailure):
            await ZaloBotSender(nobody).send(CHAT, Reply("Xin chào"))
        zalo_api.delay("sendMessage", 2.0)
        impatient = ZaloBotApi(session, zalo_api.base_url, TOKEN, timeout=0.2)
        with pytest.raises(Unconfirmed):  # sent, but no answer in time: it may have arrived
            await ZaloBotSender(impatient).send(CHAT, Reply("Xin chào"))
    assert len(zalo_api.sent("sendMessage")) == 1
