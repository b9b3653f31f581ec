"""Free-text questions: answered, suggested, fallback, small talk, and feedback."""

from __future__ import annotations

import pytest

from handlers.store import Storage
from tests.conversation.conftest import Say, payloads


def questions(storage: Storage) -> list[dict]:
    return list(storage.db["questions"].rows)


async def test_a_clear_question_is_answered_and_recorded(say: Say, storage: Storage) -> None:
    (reply,) = await say("Quên mật khẩu VNeID thì làm sao?")
    assert "answer" in reply.tags and "entry:quen-mat-khau" in reply.tags
    (row,) = questions(storage)
    assert row["outcome"] == "answered" and row["matched_id"] == "quen-mat-khau"
    assert row["text"] == "Quên mật khẩu VNeID thì làm sao?"
    assert row["normalized"] and row["score"] > 0
    assert payloads(reply)[0] == f"fb:y:quen-mat-khau:{row['id']}"


async def test_the_same_question_without_diacritics_gets_the_same_answer(say: Say) -> None:
    (with_marks,) = await say("Quên mật khẩu VNeID")
    (without,) = await say("quen mat khau vneid")
    assert with_marks.title == without.title


async def test_an_answer_offers_at_most_three_related_questions(say: Say) -> None:
    (reply,) = await say("quên mật khẩu vneid")
    related = [p for p in payloads(reply) if p.startswith("q:")]
    assert 0 < len(related) <= 3
    assert payloads(reply)[-1] == "m"


async def test_a_vague_question_gets_suggestions_that_lead_to_an_answer(
    say: Say, storage: Storage
) -> None:
    (reply,) = await say("thẻ")
    assert reply.text.startswith("Có phải bạn muốn hỏi")
    choices = [p for p in payloads(reply) if p.startswith("q:")]
    assert 1 <= len(choices) <= 3
    assert payloads(reply)[-1] == "nf"
    assert questions(storage)[0]["outcome"] == "suggested"

    (answer,) = await say(press=choices[0])
    assert f"entry:{choices[0].split(':')[1]}" in answer.tags  # q:<entry>:<question id>


async def test_rejecting_every_suggestion_gives_the_fallback(say: Say) -> None:
    (reply,) = await say(press="nf")
    assert "fallback" in reply.tags


async def test_an_off_topic_question_gets_an_honest_fallback(say: Say, storage: Storage) -> None:
    (reply,) = await say("giá vàng hôm nay bao nhiêu")
    assert "fallback" in reply.tags
    assert "chưa chắc" in reply.text
    assert "lh" in payloads(reply) and any(p.startswith("c:") for p in payloads(reply))
    assert questions(storage)[0]["outcome"] == "fallback"


async def test_the_fallback_names_the_help_choice_as_listed_whether_pressed_or_typed(
    say: Say,
) -> None:
    (reply,) = await say("giá vàng hôm nay bao nhiêu", numbered=True)
    human = [b.label for b in reply.all_buttons() if b.payload == "lh"]
    assert f"“{human[0]}”" in reply.text
    assert "bấm" not in reply.text  # on Zalo and in the console the user types a number


async def test_greetings_and_thanks_get_a_polite_reply_not_a_fallback(
    say: Say, storage: Storage
) -> None:
    for text in ("Xin chào", "chao ban", "hello ad"):
        (reply,) = await say(text)
        assert "Xin chào" in reply.text, text
    for text in ("Cảm ơn bạn nhiều ạ!", "cam on", "thanks"):
        (reply,) = await say(text)
        assert reply.text.startswith("Không có gì"), text
    assert questions(storage) == []


async def test_feedback_is_stored_once_per_answer(say: Say, storage: Storage) -> None:
    (reply,) = await say("quên mật khẩu vneid")
    down = payloads(reply)[1]
    (thanks,) = await say(press=down)
    assert "Cảm ơn bạn đã góp ý" in thanks.text and "lh" in payloads(thanks)
    await say(press=payloads(reply)[0])
    (row,) = list(storage.db["feedback"].rows)
    assert row["entry_id"] == "quen-mat-khau" and row["helpful"] == 1
    assert row["question_id"] == questions(storage)[0]["id"]


async def test_phone_numbers_and_emails_are_redacted_before_storing(
    say: Say, storage: Storage
) -> None:
    await say("số 0912 345 678 và email an.nguyen@gmail.com đổi số điện thoại vneid")
    (row,) = questions(storage)
    assert "0912" not in row["text"] and "gmail" not in row["text"]
    assert "[số điện thoại]" in row["text"] and "[email]" in row["text"]
    stored = " ".join(str(value) for value in row.values())
    assert "nguyen" not in stored and "gmail" not in stored and "912" not in stored


@pytest.mark.parametrize(
    ("text", "secret"),
    [("mk cua toi la hoa123456 sao ko vao dc", "hoa123456"),
     ("pass vneid: Matkhau@2024 bi sai", "Matkhau@2024")],
)
async def test_a_password_typed_in_free_text_is_warned_about_and_stored_nowhere(
    say: Say, storage: Storage, text: str, secret: str
) -> None:
    replies = await say(text)
    assert "warning" in replies[0].tags
    rows = list(storage.db["questions"].rows)
    assert secret.lower() not in str(rows).lower()


async def test_after_feedback_the_old_numbered_choices_are_spent(
    say: Say, storage: Storage
) -> None:
    await say("quên mật khẩu vneid", numbered=True)
    await say("1", numbered=True)  # 👍 Hữu ích
    await say("2", numbered=True)  # no longer "👎": the choices were used up
    (row,) = list(storage.db["feedback"].rows)
    assert row["helpful"] == 1


async def test_users_are_recorded_with_first_and_last_seen(say: Say, storage: Storage) -> None:
    await say("/start")
    await say("/menu")
    (user,) = list(storage.db["users"].rows)
    assert (user["channel"], user["user_id"], user["chat_id"]) == ("test", "u1", "c-u1")
    assert user["display_name"] == "Nguyễn Văn A"
    assert user["first_seen"] <= user["last_seen"]


async def test_words_glued_by_zero_width_spaces_are_still_understood(say: Say) -> None:
    (reply,) = await say("quên\u200bmật\u200bkhẩu\u200bvneid")
    assert "entry:quen-mat-khau" in reply.tags


async def test_a_message_of_only_invisible_characters_is_not_recorded(
    say: Say, storage: Storage
) -> None:
    await say("\u200b\u200b\ufeff")
    assert questions(storage) == []
