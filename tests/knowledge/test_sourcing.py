"""Sources a citizen can trust: https pages, not datasets or code repositories, read no later
than the entry was last checked (the shipped FAQ is held to it in test_content.py)."""

from __future__ import annotations

from bot.cli import main
from knowledge.loader import load_knowledge_base
from knowledge.sourcing import source_problems
from tests.faq_files import entry_yaml

VARIANTS = ["cách một", "cách hai", "cách ba", "cách bốn"]


def test_doubtful_sources_are_named_at_their_lines(make_faq_dir, normalizer):
    text = entry_yaml("mot", "Hỏi?", VARIANTS).replace(
        "    - url: https://example.gov.vn/a\n      read: 2026-11-22\n",
        "    - url: http://example.gov.vn/a\n      read: 2026-11-22\n"
        "    - url: https://github.com/ai-do/du-lieu\n      read: 2026-11-22\n"
        "    - url: https://huggingface.co/datasets/x\n      read: 2026-11-28\n")
    folder = make_faq_dir({"a.yaml": text})
    kb, _ = load_knowledge_base(folder, normalizer)
    name = folder / "a.yaml"
    assert [str(p) for p in source_problems(kb.get("mot"))] == [
        f"{name}:12: cảnh báo: nguồn http://example.gov.vn/a không phải địa chỉ https://",
        f"{name}:14: cảnh báo: nguồn github.com là bộ dữ liệu hay kho mã, không phải trang "
        "chính thức hay báo uy tín",
        f"{name}:16: cảnh báo: nguồn huggingface.co là bộ dữ liệu hay kho mã, không phải trang "
        "chính thức hay báo uy tín",
        f"{name}:1: cảnh báo: mục 'mot': 'updated' 2026-11-22 cũ hơn ngày đọc nguồn mới nhất "
        "2026-11-28: kiểm tra lại câu trả lời rồi sửa 'updated'",
    ]


def test_an_https_page_read_before_the_update_is_fine(make_faq_dir, normalizer):
    kb, _ = load_knowledge_base(make_faq_dir({"a.yaml": entry_yaml("mot", "Hỏi?", VARIANTS)}),
                                normalizer)
    assert source_problems(kb.get("mot")) == []


def test_kb_check_shows_doubtful_sources_as_warnings(make_faq_dir, capsys):
    text = entry_yaml("mot", "Hỏi?", VARIANTS).replace("https://example.gov.vn/a",
                                                       "https://github.com/ai-do/du-lieu")
    folder = make_faq_dir({"a.yaml": text})
    assert main(["kb", "check", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{folder / 'a.yaml'}:12: cảnh báo: nguồn github.com là bộ dữ liệu hay kho mã, "
                   "không phải trang chính thức hay báo uy tín",
                   "OK: 1 mục, 1 danh mục, 1 cảnh báo."]
