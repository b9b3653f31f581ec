"""/lienhe and answers with the unit's own contacts from the `local:` settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from foundations.settings import Config
from knowledge.service import KnowledgeService
from tests.conversation.conftest import Say
from tests.faq_files import entry_yaml

LOCAL = {
    "local__unit_name": "UBND phường Ba Đình",
    "local__police_name": "phường Ba Đình",
    "local__police_phone": "024 3823 0000",
    "local__one_stop_hours": "Thứ Hai–Thứ Sáu, 7:30–17:00",
}
HUMAN_HELP = "Đến Công an xã, phường nơi bạn ở."


def human_help_faq(make_faq_dir, desk_answer: str) -> Path:
    """The two human-help entries /lienhe shows, the second with `desk_answer`."""
    return make_faq_dir({"a.yaml": entry_yaml(
        "tong-dai-ho-tro", "Tổng đài hỗ trợ?", ["tong dai", "so tong dai", "hotline", "goi ai"],
        answer="Gọi tổng đài.") + entry_yaml(
        "ho-tro-tai-cho", "Hỗ trợ tại chỗ ở đâu?", ["den dau", "ho tro truc tiep", "o dau",
                                                    "tai cho"], answer=desk_answer)})


@pytest.fixture
def desk_answer() -> str:
    return HUMAN_HELP


@pytest.fixture
def config(make_config, make_faq_dir, desk_answer) -> Config:
    return make_config(knowledge__faq_dir=str(human_help_faq(make_faq_dir, desk_answer)),
                       **LOCAL)


@pytest.fixture
def knowledge(config: Config) -> KnowledgeService:
    return KnowledgeService.from_config(config)


async def test_lienhe_shows_the_configured_local_contacts_first(say: Say) -> None:
    replies = await say("/lienhe")
    assert replies[0].text.splitlines() == [
        "Liên hệ trực tiếp tại địa phương:",
        "• Đơn vị: UBND phường Ba Đình",
        "• Công an phường Ba Đình",
        "• Điện thoại Công an: 024 3823 0000",
        "• Giờ làm việc một cửa: Thứ Hai–Thứ Sáu, 7:30–17:00",
    ]
    assert [r.text for r in replies[1:]] == ["Gọi tổng đài.", HUMAN_HELP]
    assert replies[-1].buttons and not replies[0].buttons


@pytest.mark.parametrize("desk_answer", [
    f"{HUMAN_HELP}\nCông an {{local.police_name}}, điện thoại: {{local.police_phone}}."])
async def test_lienhe_does_not_repeat_contacts_the_answers_already_give(say: Say) -> None:
    replies = await say("/lienhe")
    assert replies[0].text.splitlines() == [
        "Liên hệ trực tiếp tại địa phương:",
        "• Đơn vị: UBND phường Ba Đình",
        "• Giờ làm việc một cửa: Thứ Hai–Thứ Sáu, 7:30–17:00",
    ]
    assert replies[2].text.endswith("Công an phường Ba Đình, điện thoại: 024 3823 0000.")


def test_answers_carry_the_configured_local_facts(make_config, make_faq_dir) -> None:
    folder = make_faq_dir({"a.yaml": entry_yaml(
        "lien-he", "Liên hệ công an?", ["số công an", "sdt cong an", "goi cong an", "o dau"],
        answer="Hỏi Công an xã, phường nơi bạn ở.\nCông an {local.police_name}: "
               "{local.police_phone}.\nZalo: {local.zalo}")})
    served = KnowledgeService.from_config(make_config(knowledge__faq_dir=str(folder), **LOCAL))
    assert served.kb.get("lien-he").answer == (
        "Hỏi Công an xã, phường nơi bạn ở.\nCông an phường Ba Đình: 024 3823 0000.")
