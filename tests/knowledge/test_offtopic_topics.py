"""Questions marked off-topic, grouped by topic (knowledge/offtopic_topics.py): a topic gathers
evidence like an entry, so a citizen's question on it reaches the topic, not one of our
entries that shares a few of its words."""

from __future__ import annotations

import pytest

from knowledge.matcher import Thresholds
from knowledge.offtopic_topics import topics
from knowledge.service import KnowledgeService
from tests.faq_files import entry_yaml

OFF_TOPIC = """\
- Rút bảo hiểm xã hội một lần cần gì
- Nghỉ việc bao lâu thì được rút bảo hiểm xã hội một lần
- Rút bảo hiểm xã hội một lần ở đâu
- Hồ sơ hưởng bảo hiểm xã hội một lần gồm những gì
- Thi bằng lái xe máy ở đâu
- Làm sổ đỏ cần giấy tờ gì
"""


@pytest.fixture
def insurance_card_and_lump_sums(make_faq_dir) -> KnowledgeService:
    """Our entry on the health-insurance card in VNeID, and off-topic questions on drawing
    social insurance as a lump sum, each naming only part of what citizens write."""
    folder = make_faq_dir({"a.yaml": entry_yaml(
        "dang-ky-tam-tru", "Đăng ký tạm trú online thế nào",
        ["Khai báo tạm trú trên VNeID", "Đăng ký tạm trú cho người thuê trọ",
         "Thủ tục đăng ký tạm trú", "Tạm trú làm ở đâu"],
    ) + entry_yaml(
        "bhyt-tren-vneid", "Tích hợp thẻ bảo hiểm y tế vào VNeID",
        ["Thêm bảo hiểm y tế vào VNeID", "Hiển thị thẻ bảo hiểm y tế trên ứng dụng",
         "Dùng VNeID thay thẻ bảo hiểm y tế khi đi khám", "Bảo hiểm y tế trên VNeID bị lỗi"],
    ) + entry_yaml(
        "quen-mat-khau", "Quên mật khẩu VNeID",
        ["Lấy lại mật khẩu VNeID", "Không nhớ mật khẩu tài khoản định danh",
         "Đặt lại mật khẩu ứng dụng", "Quên mật khẩu đăng nhập"],
    ), "ngoai-pham-vi.yaml": OFF_TOPIC})  # fmt: skip
    # Few entries are too few for the calibration: what is tested is what ranks.
    return KnowledgeService(folder, thresholds=Thresholds(confidence=0.0))


def test_close_questions_share_a_topic_and_the_others_start_their_own():
    texts = ["rut bao hiem xa hoi mot lan can gi", "rut bao hiem xa hoi mot lan o dau",
             "thi bang lai xe may o dau", "lam so do can giay to gi"]  # fmt: skip
    assert topics(texts) == [[0, 1], [2], [3]]
    assert topics([]) == []


def test_a_question_spread_over_a_topic_s_questions_reaches_the_topic_not_our_entry(
    insurance_card_and_lump_sums: KnowledgeService,
):
    # "nghỉ việc" is in one off-topic question, "hồ sơ hưởng" in another; "bảo hiểm" and
    # "VNeID" in our entry. As one topic, the lump sum questions know the whole question.
    result = insurance_card_and_lump_sums.match(
        "Nghỉ việc rồi thì hồ sơ hưởng bảo hiểm xã hội một lần nộp trên VNeID được không")
    assert result.outcome == "fallback"
    assert result.ranked == ()  # our entry is not even a candidate beside the topic
