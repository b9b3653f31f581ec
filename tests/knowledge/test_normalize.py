"""Normalisation: the many ways citizens type one question come out the same."""

import unicodedata

import pytest

from knowledge.normalize import Normalizer, SynonymError, accented_form, fold, word_forms


def test_diacritics_case_and_d_stroke_fold_away(normalizer):
    assert normalizer.normalize("ĐĂNG KÝ Định Danh").text == "dang ky dinh danh"


def test_nfc_and_nfd_input_give_the_same_result(normalizer):
    text = "Làm căn cước cho con dưới 14 tuổi ở đâu"
    assert normalizer.normalize(unicodedata.normalize("NFD", text)) == normalizer.normalize(text)


def test_punctuation_emoji_zero_width_and_spaces_are_ignored(normalizer):
    assert normalizer.normalize("  mật\u200b khẩu!!! 😭😭   vneid???").text == "mat khau vneid"


def test_teencode_and_abbreviations_expand(normalizer):
    assert normalizer.normalize("ko nhận đc otp").text == "khong nhan duoc ma otp"
    assert normalizer.normalize("quen mk tk vnied").text == "quen mat khau tai khoan vneid"
    assert normalizer.normalize("đổi sdt").text == "doi so dien thoai"
    assert normalizer.normalize("làm cccd").text == "lam can cuoc"
    assert normalizer.normalize("vn eid").text == "vneid"


def test_politeness_fillers_are_dropped(normalizer):
    assert normalizer.normalize("Cho em hỏi ạ, ad ơi quên mật khẩu ạ").text == "quen mat khau"


def test_a_filler_only_matches_when_its_diacritics_agree(normalizer):
    # "nhà" (house) is a real word; the chat particle "nha" is not.
    assert normalizer.normalize("nhận thẻ tại nhà").text == "nhan the tai nha"
    assert normalizer.normalize("nhận thẻ tại nhà nha").text == "nhan the tai nha"


def test_old_and_new_tone_placement_are_the_same_word():
    assert accented_form("hoà") == accented_form("hòa")
    assert accented_form("thuỷ") == accented_form("thủy")
    assert accented_form("uý") == accented_form("úy")


def test_typed_diacritics_are_remembered_per_word(normalizer):
    road, sun = normalizer.normalize("đường"), normalizer.normalize("dương")
    assert road.tokens == sun.tokens == ("duong",)
    assert road.accents != sun.accents
    assert normalizer.normalize("duong").accents == (None,)


def test_fold_keeps_plain_ascii():
    assert fold("vneid 2026") == "vneid 2026"


def test_zero_width_characters_separate_words(normalizer):
    glued = "quên\u200bmật\u200bkhẩu\u200bvneid"
    assert normalizer.normalize(glued).text == "quen mat khau vneid"
    assert normalizer.normalize("\u200b\u200b\ufeff").text == ""


def test_stopwords_keep_their_diacritics(normalizer):
    content = [("căn", "can"), ("đăng", "dang"), ("mã", "ma"), ("tài", "tai"), ("lái", "lai")]
    for typed, folded in content:
        assert not normalizer.is_stopword(folded, word_forms(typed)[1]), typed
    for typed, folded in [("cần", "can"), ("đang", "dang"), ("mà", "ma"), ("tại", "tai")]:
        assert normalizer.is_stopword(folded, word_forms(typed)[1]), typed
    assert normalizer.is_stopword("can", None)  # typed bare, it cannot be told apart


def test_words_a_replacement_puts_in_keep_its_diacritics(normalizer):
    # "cccd" and "căn cước công dân" become "căn cước", not the stopword "cần"; "dk" is
    # "đăng ký", not "đang".
    for text, word in [("cccd", "can"), ("căn cước công dân", "can"), ("dk tạm trú", "dang")]:
        assert word in normalizer.content_words(normalizer.normalize(text)), text
    assert normalizer.normalize("cccd").accents == (accented_form("căn"), accented_form("cước"))


def test_a_canonical_typed_without_diacritics_that_a_stopword_would_swallow_is_an_error(
    tmp_path,
):
    rules = "replacements:\n  mật khẩu: [mk]\n  can cuoc: [cccd]\n  ủy ban: [ub]\n" \
        "fillers: []\nstopwords: [cần, bạn]\n"  # fmt: skip
    synonyms = tmp_path / "synonyms.yaml"
    synonyms.write_text(rules, encoding="utf-8")
    with pytest.raises(SynonymError) as raised:
        Normalizer.from_file(synonyms)
    assert [str(p) for p in raised.value.problems] == [
        f"{synonyms}:3: 'can cuoc' viết không dấu: từ 'can' sẽ bị coi là từ dừng 'cần'; "
        "hãy viết từ chuẩn có dấu"]  # fmt: skip


def test_many_texts_normalised_at_once_come_out_as_each_alone(normalizer):
    # Spellings that would run across two texts ("cho em" | "hỏi ạ") must not join up.
    texts = ["Cho em hỏi ạ, ad ơi quên mật khẩu ạ", "", "ko nhận đc otp", "quen mk tk vnied",
             "cho em", "hỏi ạ làm cccd", "nhận thẻ tại nhà nha", "vn", "eid", "vn eid",
             "\u200b", "ko nhận đc otp", "đổi sdt ạ"]  # fmt: skip
    alone = [Normalizer.from_file().normalize(text) for text in texts]
    assert normalizer.normalize_many(texts) == alone
    assert normalizer.normalize_many([]) == []


def test_texts_split_together_come_out_as_each_alone_whatever_they_hold(normalizer):
    # Many texts are split as one, joined around a private-use character: words holding a
    # symbol, marks at a text's edge, empty texts and that character itself must not change
    # what any text gives.
    texts = ["đâu… đâu", "😭😭 làm thẻ", "quên\u200bmật\u200bkhẩu ạ", "so\u00adft hy\u00adphen",
             "\u0301bắt đầu bằng dấu", "kết thúc dấu\u0301", "ΣΟΦΟΣ Σ", "", "…", "😭",
             unicodedata.normalize("NFD", "Đường Hoà Bình"), "cô", "ơi cho hỏi"]  # fmt: skip
    alone = [Normalizer.from_file().normalize(text) for text in texts]
    assert normalizer.normalize_many(texts) == alone
    with_break = [*texts, "x \ue000 y, \ue000căn cước"]
    alone.append(Normalizer.from_file().normalize(with_break[-1]))
    assert Normalizer.from_file().normalize_many(with_break) == alone
