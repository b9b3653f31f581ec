"""Loading FAQ files: every problem at once, as file:line: problem; errors never load."""

from __future__ import annotations

import unicodedata

import pytest
import yaml

from foundations.yaml_lines import Problem, load_located_yaml
from knowledge.loader import KnowledgeLoadError, load_knowledge_base
from tests.faq_files import entry_yaml


def load_errors(folder, normalizer) -> list[str]:
    with pytest.raises(KnowledgeLoadError) as caught:
        load_knowledge_base(folder, normalizer)
    return [str(p) for p in caught.value.report.errors]


VARIANTS = ["cách một", "cách hai", "cách ba", "cách bốn"]


def test_a_valid_folder_loads_every_entry_in_file_order(make_faq_dir, normalizer):
    folder = make_faq_dir({
        "a.yaml": entry_yaml("mot", "Câu hỏi một?", VARIANTS, related="[hai]")
        + entry_yaml("hai", "Chuyện khác hẳn?", ["khác một", "khác hai", "khác ba", "khác bốn"]),
    })
    kb, report = load_knowledge_base(folder, normalizer)
    assert list(kb.entries) == ["mot", "hai"]
    assert kb.get("mot").related == ("hai",)
    assert [e.id for e in kb.in_category("chung")] == ["mot", "hai"]
    assert report.errors == [] and report.warnings == []


def test_a_yaml_syntax_error_names_file_and_line(make_faq_dir, normalizer):
    folder = make_faq_dir({"hong.yaml": "- id: a\n  question: [chưa đóng\n  answer: x\n"})
    (error,) = load_errors(folder, normalizer)
    assert error.startswith(f"{folder / 'hong.yaml'}:3: lỗi cú pháp YAML")


def test_unknown_and_missing_keys_are_reported_at_their_lines(make_faq_dir, normalizer):
    text = entry_yaml("mot", "Câu hỏi?", VARIANTS, colour="đỏ")
    text = text.replace("  updated: 2026-11-22\n", "")
    folder = make_faq_dir({"a.yaml": text})
    errors = load_errors(folder, normalizer)
    name = folder / "a.yaml"
    assert any(e.startswith(f"{name}:") and "khóa lạ 'colour'" in e for e in errors)
    assert f"{name}:1: thiếu khóa bắt buộc 'updated'" in errors


def test_duplicate_ids_across_files_point_at_both_places(make_faq_dir, normalizer):
    folder = make_faq_dir({
        "a.yaml": entry_yaml("mot", "Câu hỏi một?", VARIANTS),
        "b.yaml": entry_yaml("mot", "Câu hỏi khác hẳn?", ["x một", "x hai", "x ba", "x bốn"]),
    })
    (error,) = load_errors(folder, normalizer)
    assert error == f"{folder / 'b.yaml'}:1: id 'mot' trùng với {folder / 'a.yaml'}:1"


def test_empty_and_overlong_answers_are_errors(make_faq_dir, normalizer):
    folder = make_faq_dir({
        "a.yaml": entry_yaml("trong", "Hỏi một?", VARIANTS).replace(
            "  answer: |\n    Trả lời.\n", '  answer: ""\n')
        + entry_yaml("dai", "Hỏi hai?", ["y một", "y hai", "y ba", "y bốn"], answer="x" * 4001),
    })
    errors = load_errors(folder, normalizer)
    assert any("câu trả lời trống" in e for e in errors)
    assert any("4001 ký tự, quá giới hạn" in e for e in errors)


def test_related_ids_must_exist(make_faq_dir, normalizer):
    folder = make_faq_dir({"a.yaml": entry_yaml("mot", "Hỏi?", VARIANTS, related="[khong-co]")})
    (error,) = load_errors(folder, normalizer)
    assert error == f"{folder / 'a.yaml'}:1: related: không có mục nào có id 'khong-co'"


def test_the_same_variant_under_two_entries_is_an_error_even_spelled_differently(
    make_faq_dir, normalizer
):
    folder = make_faq_dir({
        "a.yaml": entry_yaml("mot", "Hỏi một?", ["Quên mật khẩu", *VARIANTS])
        + entry_yaml("hai", "Hỏi hai khác?", ["quen mat khau!", "z một", "z hai", "z ba"]),
    })
    (error,) = load_errors(folder, normalizer)
    assert "cách hỏi 'quen mat khau!' trùng với mục 'mot'" in error


def test_all_problems_are_reported_together(make_faq_dir, normalizer):
    folder = make_faq_dir({
        "a.yaml": entry_yaml("mot", "Hỏi?", VARIANTS, related="[khong-co]"),
        "b.yaml": "- id: [\n",
    })
    assert len(load_errors(folder, normalizer)) == 2


def test_doubtful_content_is_a_warning_and_still_loads(make_faq_dir, normalizer):
    folder = make_faq_dir({
        "a.yaml": entry_yaml("mot", "Làm thẻ căn cước ở đâu?", ["chỉ một cách"])
        + entry_yaml("hai", "Làm thẻ căn cước ở đâuu?", ["k một", "k hai", "k ba", "k bốn"],
                     answer="dài " * 700),
    })
    kb, report = load_knowledge_base(folder, normalizer)
    assert set(kb.entries) == {"mot", "hai"}
    warnings = " | ".join(str(w) for w in report.warnings)
    assert "nên có ít nhất 4" in warnings
    assert "gần giống hệt mục 'mot'" in warnings
    assert "Zalo sẽ tách" in warnings


def test_text_is_stored_in_nfc_even_when_the_file_is_nfd(make_faq_dir, normalizer):
    text = unicodedata.normalize("NFD", entry_yaml("mot", "Thẻ căn cước?", VARIANTS))
    kb, _ = load_knowledge_base(make_faq_dir({"a.yaml": text}), normalizer)
    assert kb.get("mot").question == unicodedata.normalize("NFC", "Thẻ căn cước?")



def test_references_into_a_broken_file_are_one_consequence_not_one_error_each(
    faq_dir, normalizer
):
    path = faq_dir / "vneid-su-co.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("question: ", "question: [chưa đóng ", 1), encoding="utf-8")
    errors = load_errors(faq_dir, normalizer)
    assert len(errors) == 2, errors
    syntax, consequence = errors
    assert syntax.startswith(f"{path}:") and "lỗi cú pháp YAML" in syntax
    assert consequence.startswith(syntax.split(" lỗi cú pháp")[0])
    assert "tham chiếu từ chỗ khác cũng hỏng (related '" in consequence
    assert consequence.endswith("sẽ hết khi sửa lỗi này")


def test_references_to_an_entry_with_errors_point_back_to_it_once(make_faq_dir, normalizer):
    folder = make_faq_dir({
        "a.yaml": entry_yaml("mot", "Hỏi một?", VARIANTS, colour="đỏ"),
        "b.yaml": entry_yaml("hai", "Hỏi hai khác?", ["h một", "h hai", "h ba", "h bốn"],
                             related="[mot, khong-co]")
        + entry_yaml("ba", "Hỏi ba khác?", ["b một", "b hai", "b ba", "b bốn"], related="[mot]"),
    })
    a, b = folder / "a.yaml", folder / "b.yaml"
    assert load_errors(folder, normalizer) == [
        f"{a}:15: khóa lạ 'colour' (được phép: id, category, question, variants, answer, "
        "sources, updated, links, keywords, related, review_by)",
        f"{b}:1: related: không có mục nào có id 'khong-co'",
        f"{a}:1: vì lỗi ở đây, 2 tham chiếu từ chỗ khác cũng hỏng (related 'mot' của 'hai', "
        "related 'mot' của 'ba'); sẽ hết khi sửa lỗi này",
    ]


def test_a_broken_categories_file_is_not_repeated_for_every_entry(make_faq_dir, normalizer):
    folder = make_faq_dir({"a.yaml": entry_yaml("mot", "Hỏi?", VARIANTS)
                           + entry_yaml("hai", "Hỏi khác?", ["h một", "h hai", "h ba", "h bốn"])})
    (folder / "categories.yaml").write_text("- id: [chung\n", encoding="utf-8")
    syntax, consequence = load_errors(folder, normalizer)
    assert "lỗi cú pháp YAML" in syntax
    assert "2 tham chiếu từ chỗ khác cũng hỏng (danh mục của 'mot', danh mục của 'hai')" in (
        consequence)


def test_a_list_used_as_a_key_is_reported_at_its_line_not_raised(make_faq_dir, normalizer):
    folder = make_faq_dir({"a.yaml": entry_yaml("mot", "Hỏi?", VARIANTS) + "  [a, b]: 1\n"})
    (error,) = load_errors(folder, normalizer)
    line = len(entry_yaml("mot", "Hỏi?", VARIANTS).splitlines()) + 1
    assert error == f"{folder / 'a.yaml'}:{line}: lỗi cú pháp YAML: found unhashable key"


def test_values_are_what_pyyaml_reads_with_lines_added(tmp_path):
    text = ("a: &x [1, 2.5, yes, null, '', 2026-01-02, 2026-01-02 10:00:00]\nb: *x\n"
            "c: {Tôi: 'hỏi', 'no': No, 'nullable': Nothing}\nd: !!str 12\ne: |\n  hai\n  dòng\n"
            "f: !!omap [k: v]\ng: ~\n")  # fmt: skip
    path = tmp_path / "values.yaml"
    path.write_text(text, encoding="utf-8")
    data, problems = load_located_yaml(path)
    assert problems == [] and data == yaml.safe_load(text)
    assert (data.line_of("e"), data.text_line_of("e", 1), data["c"].line_of("no")) == (5, 7, 3)


def test_a_collection_that_contains_itself_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "cycle.yaml"
    path.write_text("a: &x\n  - *x\n", encoding="utf-8")
    assert load_located_yaml(path) == (None, [Problem(
        str(path), 1, "lỗi cú pháp YAML: found unconstructable recursive node")])
