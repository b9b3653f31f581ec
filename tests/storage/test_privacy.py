"""Redaction of personal identifiers and detection of secrets."""

from __future__ import annotations

import pytest

from foundations.privacy import ID_NUMBER, OTP, PASSWORD, find_secret, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CCCD 001095001234 bị lỗi", "CCCD [số định danh] bị lỗi"),
        ("số 001 095 001 234", "số [số định danh]"),
        ("CMND cũ 123456789", "CMND cũ [số định danh]"),
        ("gọi 0912.345.678", "gọi [số điện thoại]"),
        ("gọi +84 912 345 678", "gọi [số điện thoại]"),
        ("mail an.nguyen@gmail.com nhé", "mail [email] nhé"),
        ("năm 2024 làm thẻ", "năm 2024 làm thẻ"),
    ],
)
def test_identifiers_are_replaced_by_neutral_marks(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("482913", OTP),
        ("Mã OTP là 482913", OTP),
        ("482913 là mã otp", OTP),
        ("mật khẩu của tôi là Hoa@1975", PASSWORD),
        ("mk: abc123", PASSWORD),
        ("số căn cước 001095001234", ID_NUMBER),
        ("không nhận được mã OTP", None),
        ("quên mật khẩu", None),
        ("mật khẩu là gì", None),
        ("đổi số điện thoại 0912345678", None),
        ("làm thẻ năm 2024", None),
    ],
)
def test_secrets_are_told_apart_from_questions_about_them(text: str, kind: str | None) -> None:
    assert find_secret(text) == kind
