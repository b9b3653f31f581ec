"""Secrets in a message: warn about scammers impersonating police, store nothing of it."""

from __future__ import annotations

import pytest

from handlers.store import Storage
from tests.conversation.conftest import Say


@pytest.mark.parametrize(
    "text",
    [
        "123456",
        "mã OTP của tôi là 482913",
        "OTP: 4829",
        "mật khẩu của tôi là Hoa@1975",
        "pass: abc12345",
    ],
)
async def test_otp_and_password_messages_get_only_a_warning(
    say: Say, storage: Storage, text: str
) -> None:
    (reply,) = await say(text)
    assert "warning" in reply.tags
    assert "giả danh" in reply.text and "không lưu" in reply.text
    assert list(storage.db["questions"].rows) == []


async def test_a_question_with_a_full_id_number_is_warned_then_answered_unrecorded(
    say: Say, storage: Storage
) -> None:
    warning, answer = await say("CCCD 001095001234 của tôi, quên mật khẩu vneid thì làm sao")
    assert "số định danh" in warning.text and "warning" in warning.tags
    assert "entry:quen-mat-khau" in answer.tags
    assert list(storage.db["questions"].rows) == []
    assert "001095001234" not in str(list(storage.db["users"].rows))


async def test_an_id_number_alone_gets_only_the_warning(say: Say) -> None:
    (reply,) = await say("001 095 001 234")
    assert "warning" in reply.tags


@pytest.mark.parametrize(
    "text", ["không nhận được mã OTP", "quên mật khẩu vneid", "mật khẩu là gì"]
)
async def test_questions_about_otp_or_passwords_are_not_secrets(say: Say, text: str) -> None:
    replies = await say(text)
    assert all("warning" not in r.tags for r in replies)
