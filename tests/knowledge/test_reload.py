"""Reloading: a broken knowledge base never replaces the one that is serving."""

from __future__ import annotations

import pytest

from knowledge.loader import KnowledgeLoadError
from knowledge.service import KnowledgeService
from tests.faq_files import entry_yaml

VARIANTS = ["quên pass vneid", "mất mật khẩu", "không nhớ mật khẩu", "lấy lại mật khẩu"]


def test_a_broken_reload_keeps_the_old_knowledge_serving(make_faq_dir):
    folder = make_faq_dir({"a.yaml": entry_yaml("quen-mat-khau", "Quên mật khẩu VNeID?", VARIANTS)})
    service = KnowledgeService(folder)
    assert service.match("quên mật khẩu vneid").entry.id == "quen-mat-khau"

    (folder / "a.yaml").write_text("- id: [hỏng\n", encoding="utf-8")
    with pytest.raises(KnowledgeLoadError) as caught:
        service.reload()
    assert f"{folder / 'a.yaml'}:" in str(caught.value)
    assert service.match("quên mật khẩu vneid").entry.id == "quen-mat-khau"


def test_a_good_reload_serves_the_new_entries(make_faq_dir):
    folder = make_faq_dir({"a.yaml": entry_yaml("quen-mat-khau", "Quên mật khẩu VNeID?", VARIANTS)})
    service = KnowledgeService(folder)
    (folder / "b.yaml").write_text(
        entry_yaml("ho-chieu", "Làm hộ chiếu trực tuyến?",
                   ["xin hộ chiếu online", "cấp passport", "hộ chiếu phổ thông", "làm hộ chiếu"]),
        encoding="utf-8",
    )
    service.reload()
    assert service.match("làm hộ chiếu trực tuyến").entry.id == "ho-chieu"


def test_a_reload_with_other_synonyms_normalises_the_phrasings_again(make_faq_dir, tmp_path):
    folder = make_faq_dir({"a.yaml": entry_yaml("quen-mat-khau", "Quên mật khẩu VNeID?", VARIANTS)})
    synonyms = tmp_path / "synonyms.yaml"
    rules = "replacements:\n  mật khẩu: [{}]\nfillers: []\nstopwords: []\n"
    synonyms.write_text(rules.format("mk"), encoding="utf-8")
    service = KnowledgeService(folder, synonyms)
    assert service.normalizer.normalize("quên pass vneid").text == "quen pass vneid"

    synonyms.write_text(rules.format("mk, pass"), encoding="utf-8")
    service.reload()
    assert service.normalizer.normalize("quên pass vneid").text == "quen mat khau vneid"
    assert service.match("quên pass vneid").entry.id == "quen-mat-khau"
