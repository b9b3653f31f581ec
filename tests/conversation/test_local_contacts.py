"""/lienhe and answers with the unit's own contacts from the `local:` settings."""

from __future__ import annotations

import pytest

from bot.app import knowledge_from_config
from bot.config import Config
from knowledge.service import KnowledgeService
from tests.conversation.conftest import Say
from tests.faq_files import entry_yaml

LOCAL = {
    "local__unit_name": "UBND phường Ba Đình",
    "local__police_name": "phường Ba Đình",
    "local__police_phone": "024 3823 0000",
    "local__one_stop_hours": "Thứ Hai–Thứ Sáu, 7:30–17:00",
}


@pytest.fixture
def config(make_config) -> Config:
    return make_config(**LOCAL)


@pytest.fixture
def knowledge(config: Config) -> KnowledgeService:
    return knowledge_from_config(config)


async def test_lienhe_shows_the_configured_local_contacts_first(say: Say, knowledge) -> None:
    replies = await say("/lienhe")
    assert replies[0].text.splitlines() == [
        "Liên hệ trực tiếp tại địa phương:",
        "• Đơn vị: UBND phường Ba Đình",
        "• Công an phường Ba Đình",
        "• Điện thoại Công an: 024 3823 0000",
        "• Giờ làm việc một cửa: Thứ Hai–Thứ Sáu, 7:30–17:00",
    ]
    assert [r.text for r in replies[1:]] == [knowledge.kb.entries["tong-dai-ho-tro"].answer,
                                             knowledge.kb.entries["ho-tro-tai-cho"].answer]
    assert replies[-1].buttons and not replies[0].buttons


def test_answers_carry_the_configured_local_facts(make_config, make_faq_dir) -> None:
    folder = make_faq_dir({"a.yaml": entry_yaml(
        "lien-he", "Liên hệ công an?", ["số công an", "sdt cong an", "goi cong an", "o dau"],
        answer="Hỏi Công an xã, phường nơi bạn ở.\nCông an {local.police_name}: "
               "{local.police_phone}.\nZalo: {local.zalo}")})
    served = knowledge_from_config(make_config(knowledge__faq_dir=str(folder), **LOCAL))
    assert served.kb.get("lien-he").answer == (
        "Hỏi Công an xã, phường nơi bạn ở.\nCông an phường Ba Đình: 024 3823 0000.")
