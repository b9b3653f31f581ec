"""Local facts: `{local.KEY}` in answers is filled from the `local:` settings; a line with a
value missing is left out so the generic wording stands alone; unknown placeholders are
file:line errors."""

from __future__ import annotations

from dataclasses import fields

from bot.cli import main
from foundations.settings import LocalSettings
from knowledge.local_facts import LOCAL_KEYS, fill_local
from knowledge.service import KnowledgeService
from tests.faq_files import entry_yaml

ANSWER = ("Bạn hãy liên hệ Công an xã, phường nơi bạn ở.\n"
          "Công an {local.police_name}: {local.police_phone}.\n"
          "\n"
          "Mang theo thẻ căn cước.")
VARIANTS = ["liên hệ công an", "số công an xã", "sdt cong an phuong", "goi cong an o dau"]


def test_every_configurable_local_fact_is_a_placeholder_key():
    assert tuple(f.name for f in fields(LocalSettings)) == LOCAL_KEYS


def test_configured_values_are_filled_in():
    values = {"police_name": "phường Ba Đình", "police_phone": "024 3823 0000"}
    assert fill_local(ANSWER, values).splitlines()[1] == "Công an phường Ba Đình: 024 3823 0000."


def test_a_line_with_a_value_missing_is_dropped_and_the_generic_wording_stays():
    assert fill_local(ANSWER, {"police_name": "phường Ba Đình"}) == (
        "Bạn hãy liên hệ Công an xã, phường nơi bạn ở.\n\nMang theo thẻ căn cước.")


def test_a_dropped_line_leaves_no_double_blank_line():
    text = "Chung.\n\n{local.zalo}\n\nTiếp."
    assert fill_local(text, {}) == "Chung.\n\nTiếp."


def test_the_service_serves_answers_with_local_facts(make_faq_dir):
    folder = make_faq_dir({"a.yaml": entry_yaml("lien-he", "Liên hệ công an?", VARIANTS,
                                                 answer=ANSWER)})
    served = KnowledgeService(folder, local={"police_name": "xã An Phú",
                                             "police_phone": "0909 000 111"})
    assert "Công an xã An Phú: 0909 000 111." in served.kb.get("lien-he").answer
    generic = KnowledgeService(folder)
    assert "{local" not in generic.kb.get("lien-he").answer


def test_kb_check_reports_an_unknown_placeholder_as_file_and_line(make_faq_dir, capsys):
    answer = "Gọi Công an.\nSố: {local.police_fone}."
    folder = make_faq_dir({"a.yaml": entry_yaml("lien-he", "Liên hệ công an?", VARIANTS,
                                                 answer=answer)})
    assert main(["kb", "check", str(folder)]) == 1
    out = capsys.readouterr().out
    assert (f"{folder / 'a.yaml'}:11: câu trả lời: chỗ điền '{{local.police_fone}}' không có "
            "(có phải ý bạn là {local.police_phone}?)") in out
